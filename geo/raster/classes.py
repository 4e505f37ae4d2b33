"""Class specifications of classified rasters: ``"1=mangrove,2=spartina"`` -> mapping.

A classified orthomosaic stores a small integer per pixel; the specification
names them. Names become column prefixes in the statistics (``spartina_m2``),
so they must be identifiers (letters, digits, underscore; Chinese allowed),
are lower-cased, and may not take the names of the columns every table has.
"""

import re
from collections.abc import Mapping

from hailin.geo.errors import ArgumentTypeError, RasterError

#: Names that would collide with the fixed columns of the statistics tables
#: (``plot_m2``, ``covered_fraction``, ``valid_m2``, ``other_m2``).
RESERVED_NAMES = frozenset({"plot", "covered", "valid", "other"})

#: Colours for the class names the reserves use (ColorBrewer-like, legible on
#: satellite basemaps); other names take :data:`FALLBACK_COLOURS` in turn.
CLASS_COLOURS = {
    "mangrove": "#1b7837",
    "spartina": "#e6550d",
    "mudflat": "#c2a878",
    "water": "#3182bd",
}
FALLBACK_COLOURS = ("#984ea3", "#ffff33", "#a65628", "#f781bf", "#999999", "#66c2a5")

_NAME = re.compile(r"^[^\W\d]\w{0,39}$")
_VALUE = re.compile(r"^[+-]?\d{1,10}$")
_SEPARATORS = re.compile(r"[,，;；]")


def _check_name(name, shown):
    name = str(name).strip().lower()
    if not _NAME.match(name):
        raise RasterError(
            f"class name {name!r} in {shown!r} must start with a letter and hold only letters, "
            "digits or underscores (at most 40)"
        )
    if name in RESERVED_NAMES:
        raise RasterError(
            f"class name {name!r} in {shown!r} is reserved; "
            f"choose a name other than {', '.join(sorted(RESERVED_NAMES))}"
        )
    return name


def _check_value(value, shown):
    text = str(value).strip()
    if isinstance(value, bool) or not _VALUE.match(text):
        raise RasterError(f"class value {text!r} in {shown!r} is not a whole number")
    return int(text)


def parse_classes(spec: str | Mapping) -> dict[int, str]:
    """Turn a class specification into ``{pixel value: class name}``.

    Parameters
    ----------
    spec : str or mapping
        ``"1=mangrove,2=spartina,3=mudflat,4=water"`` (commas or semicolons,
        half- or full-width), or a mapping such as ``{1: "mangrove"}`` or the
        ``{"1": "mangrove"}`` a TOML table gives.

    Returns
    -------
    dict
        Pixel values (int) to lower-cased names, in the order given.

    Raises
    ------
    RasterError
        An item that is not ``VALUE=NAME``, a value that is not a whole
        number, a name that is not an identifier or is reserved, or a value
        or name given twice.

    Examples
    --------
    >>> parse_classes("1=mangrove, 2=Spartina")
    {1: 'mangrove', 2: 'spartina'}
    >>> parse_classes({"3": "红树林"})
    {3: '红树林'}
    >>> parse_classes("1=mangrove,2")
    Traceback (most recent call last):
    ...
    hailin.geo.errors.RasterError: class spec item '2' in '1=mangrove,2' is not VALUE=NAME (e.g. 2=spartina)
    """
    if isinstance(spec, Mapping):
        shown = ", ".join(f"{k}={v}" for k, v in spec.items())
        pairs = list(spec.items())
    elif isinstance(spec, str):
        shown = spec
        pairs = []
        for item in _SEPARATORS.split(spec):
            if not item.strip():
                continue
            value, sep, name = item.partition("=")
            if not sep or not value.strip() or not name.strip():
                raise RasterError(
                    f"class spec item {item.strip()!r} in {spec!r} is not VALUE=NAME "
                    "(e.g. 2=spartina)"
                )
            pairs.append((value, name))
    else:
        raise ArgumentTypeError(f"'spec' should be a str or a mapping, got {type(spec)}")
    if not pairs:
        raise RasterError(f"class spec {shown!r} names no class; expected e.g. '1=mangrove'")
    classes: dict[int, str] = {}
    for value, name in pairs:
        value = _check_value(value, shown)
        name = _check_name(name, shown)
        if value in classes:
            raise RasterError(f"class value {value} is given twice in {shown!r}")
        if name in classes.values():
            raise RasterError(f"class name {name!r} is given twice in {shown!r}")
        classes[value] = name
    return classes


def class_colours(classes: Mapping[int, str], colours: Mapping | None = None) -> dict[int, str]:
    """``{pixel value: "#rrggbb"}`` for each class: given, known, or from a fallback list.

    ``colours`` may be keyed by class name or by pixel value.

    Examples
    --------
    >>> class_colours({1: "mangrove", 7: "reed"}, {"reed": "#00FF00"})
    {1: '#1b7837', 7: '#00ff00'}
    """
    colours = dict(colours or {})
    out = {}
    spare = iter(FALLBACK_COLOURS * (1 + len(classes) // len(FALLBACK_COLOURS)))
    for value, name in classes.items():
        colour = colours.get(name, colours.get(value, CLASS_COLOURS.get(name)))
        out[value] = normalize_colour(colour if colour is not None else next(spare))
    return out


_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def normalize_colour(colour: str) -> str:
    """A ``#rrggbb`` colour, lower case; anything else raises :class:`RasterError`.

    Examples
    --------
    >>> normalize_colour("1B7837")
    '#1b7837'
    """
    match = _HEX.match(str(colour).strip())
    if not match:
        raise RasterError(f"colour {colour!r} is not of the form #rrggbb")
    return "#" + match[1].lower()
