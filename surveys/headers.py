"""Which header of a patrol or plots file names which field.

Patrol files name their columns in many ways, in Chinese and English, with
units and brackets ('经度(°)'); each field's names are listed most specific
first, and a header is compared without case, spaces, units or brackets.
"""

import re
import tomllib
from importlib import resources

HEADERS_FILE = "data/headers.toml"


def _load_headers():
    """(survey headers, plot headers): {field: names, most specific first}."""
    data = tomllib.loads(
        resources.files("hailin.surveys").joinpath(HEADERS_FILE).read_text("utf-8")
    )
    survey = {field: tuple(names) for field, names in data["survey"].items()}
    plots = {
        **{key: survey[key] for key in ("lon", "lat", "wkt")},
        **{field: tuple(names) for field, names in data["plots"].items()},
        "notes": survey["notes"],
    }
    return survey, plots


# Header names by canonical field, most specific first (surveys/data/headers.toml);
# compared after header_key(). Plot files take the survey files' place and notes
# columns; 面积 is the declared plot area there, not a patch's.
HEADERS, PLOT_HEADERS = _load_headers()


def header_key(header) -> str:
    """A header compared without case, spaces, units or brackets.

    Examples
    --------
    >>> header_key(" 经度(°) "), header_key("Cover %")
    ('经度', 'cover')
    """
    key = str(header).strip().lower()
    key = re.sub(r"[（(\[【].*?[)）\]】]", "", key)
    key = re.sub(r"[\s\u3000:：°%％]+", "", key)
    return key


def _lookup(table):
    """{header key: (field, rank)}: a name's rank is its place in the field's list,
    most specific first."""
    lookup: dict[str, tuple[str, int]] = {}
    for field, names in table.items():
        for rank, name in enumerate(names):
            lookup.setdefault(header_key(name), (field, rank))
    return lookup


_LOOKUPS_BY_TABLE = {id(HEADERS): _lookup(HEADERS), id(PLOT_HEADERS): _lookup(PLOT_HEADERS)}


def match_headers(headers, table: dict = HEADERS) -> dict:
    """{field: original header} for the headers a file has.

    Where several headers name one field, the most specific name wins (图斑编号
    over a GeoJSON feature's ``id``), then the first in the file.

    Examples
    --------
    >>> match_headers(["id", "图斑编号", "除治日期"], PLOT_HEADERS)
    {'plot_id': '图斑编号', 'date': '除治日期'}
    """
    lookup = _LOOKUPS_BY_TABLE[id(table)]
    best: dict[str, tuple] = {}
    for position, header in enumerate(headers):
        found = lookup.get(header_key(header))
        if found is None:
            continue
        field, rank = found
        if field not in best or (rank, position) < best[field][0]:
            best[field] = ((rank, position), header)
    order = sorted(best, key=lambda field: best[field][0][1])
    return {field: best[field][1] for field in order}


def area_unit_of(header) -> str:
    """The unit a declared-area header names: '面积(公顷)' -> 'ha'; mu by default.

    Examples
    --------
    >>> area_unit_of("面积(公顷)"), area_unit_of("面积(㎡)"), area_unit_of("面积")
    ('ha', 'm2', 'mu')
    """
    text = str(header).lower()
    if "公顷" in text or "(ha" in text or "hectare" in text or text.endswith("_ha"):
        return "ha"
    if "平方米" in text or "m2" in text or "㎡" in text or "m²" in text:
        return "m2"
    return "mu"
