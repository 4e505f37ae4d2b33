"""XML read safely and within bounds, and the small helpers the KML and GPX
readers share.

Entity expansion and external entities are refused (defusedxml); element
depth and count are bounded while parsing, so no deep tree is ever built.
"""

import io

import defusedxml
import defusedxml.ElementTree
import pandas as pd

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.limits import LIMITS, Deadline, Limits, over_limit

# Elements that start a track (GPX trk/rte, KML gx:Track) and its points.
_TRACKS = frozenset(("trk", "rte", "Track", "MultiTrack"))
_POINTS = frozenset(("trkpt", "rtept", "coord"))


def parse_xml(data, file, limits=LIMITS, deadline=None):
    """Parse XML bytes with entity expansion and external entities refused, and
    element depth and count bounded while parsing (so no deep tree is ever built).

    Examples
    --------
    >>> parse_xml(b"<gpx><wpt/></gpx>", "a.gpx").tag
    'gpx'
    """
    if len(data) > limits.xml_bytes:
        raise SurveyFileError(
            f"XML document is {over_limit(len(data), limits.xml_bytes)}",
            file=file,
        )
    root = None
    depth = elements = points = 0
    try:
        for event, element in defusedxml.ElementTree.iterparse(
            io.BytesIO(data),
            events=("start", "end"),
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=True,
        ):
            if event == "end":
                depth -= 1
                continue
            depth += 1
            elements += 1
            if root is None:
                root = element
            if depth > limits.xml_depth:
                raise SurveyFileError(
                    f"XML elements nested {depth} deep (limit {limits.xml_depth})", file=file
                )
            if elements > limits.xml_elements:
                raise SurveyFileError(
                    f"XML holds more than {limits.xml_elements:,} elements "
                    f"(limit {limits.xml_elements:,})",
                    file=file,
                )
            if deadline is not None and not elements % 4096:
                deadline.check(f"XML element {elements:,}")
            # A track's points, counted as they come: past the geometry bound, the
            # rest of the tree is never built.
            name = local_name(element.tag)
            if name in _TRACKS:
                points = 0
            elif name in _POINTS:
                points += 1
                if points > limits.geometry_coordinates:
                    raise SurveyFileError(
                        f"a track has more than {limits.geometry_coordinates:,} points "
                        f"(limit {limits.geometry_coordinates:,} per geometry)",
                        file=file,
                    )
    except defusedxml.DefusedXmlException as error:
        raise SurveyFileError(
            f"XML declares entities ({type(error).__name__}); refused for safety", file=file
        ) from error
    except defusedxml.ElementTree.ParseError as error:
        raise SurveyFileError(f"not well-formed XML ({error})", file=file) from error
    return root


def local_name(tag) -> str:
    """An element's tag without its namespace: '{http://...}Placemark' -> 'Placemark'."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def child(element, name: str):
    """The first child of ``element`` named ``name`` (any namespace), or None."""
    for element_child in element:
        if local_name(element_child.tag) == name:
            return element_child
    return None


def child_text(element, name: str) -> str | None:
    """The stripped text of the child named ``name``, or None."""
    found = child(element, name)
    return found.text.strip() if found is not None and found.text else None


class AttributeColumns:
    """Keeps the distinct attribute names of an XML file within the column bound."""

    def __init__(self, file, limits, base=()):
        self.file, self.limits, self.seen = file, limits, set(base)

    def add(self, values, where="a feature"):
        for key, value in values.items():
            if isinstance(value, str) and len(value) > self.limits.attribute_bytes // 4:
                size = len(value.encode("utf-8"))
                if size > self.limits.attribute_bytes:
                    raise SurveyFileError(
                        f"{where}: attribute {key!r} is {over_limit(size, self.limits.attribute_bytes)}",
                        file=self.file,
                    )
            if key not in self.seen:
                self.seen.add(key)
                if len(self.seen) > self.limits.columns:
                    raise SurveyFileError(
                        f"attributes have more than {self.limits.columns:,} distinct names "
                        f"(limit {self.limits.columns:,})",
                        file=self.file,
                    )
        return values

    def frame(self, records):
        cells = len(records) * len(self.seen)
        if cells > self.limits.cells:
            raise SurveyFileError(
                f"{len(records):,} features with {len(self.seen)} attributes make "
                f"{cells:,} cells (limit {self.limits.cells:,})",
                file=self.file,
            )
        return pd.DataFrame(records, dtype=object)


def parse_document(
    data: bytes,
    file: str,
    root_name: str,
    limits: Limits = LIMITS,
    deadline: Deadline | None = None,
):
    """:func:`parse_xml`, refused unless the root element is ``root_name``
    (``gpx``, ``kml``) in any namespace.

    Examples
    --------
    >>> parse_document(b"<kml><Document/></kml>", "a.kml", "gpx")
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SurveyFileError: a.kml: root element is <kml>, not <gpx>
    """
    root = parse_xml(data, file, limits, deadline)
    if local_name(root.tag) != root_name:
        raise SurveyFileError(
            f"root element is <{local_name(root.tag)}>, not <{root_name}>", file=file
        )
    return root
