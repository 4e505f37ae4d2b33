"""A workbook as openpyxl can read it, without losing a row: Strict OOXML
(ISO 29500 Strict, as Excel's "Strict Open XML" writes it) renamed to the
transitional namespaces openpyxl knows, numbered rows without cells dropped
(openpyxl scans every row of a sheet on opening), and a cell whose value does not fit
its type (a ``t="d"`` cell holding no date, a number cell holding ``NaN``)
turned into text, so that its row alone is rejected with a reason instead of
the whole workbook being refused.

The parts were bounded by :func:`hailin.surveys.io.xlsx.check_xlsx_parts`
before; rebuilding them here stays within those bounds.
"""

import functools
import io
import itertools
import re
import zipfile

from hailin.surveys.io.zips import read_member

# Strict namespace and relationship-type prefixes, and their transitional names.
_STRICT = (
    (
        b"http://purl.oclc.org/ooxml/spreadsheetml/main",
        b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/relationships",
        b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    ),
    (
        b"http://purl.oclc.org/ooxml/officeDocument/extendedProperties",
        b"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
    ),
    (
        b"http://purl.oclc.org/ooxml/drawingml/main",
        b"http://schemas.openxmlformats.org/drawingml/2006/main",
    ),
)
_PREFIX = rb"(?:[A-Za-z_][\w.-]{0,63}:)?"
_CELL = re.compile(rb"<(" + _PREFIX + rb")c(\s[^>]*[^/>])?>(.*?)</\1c>", re.DOTALL)
_TYPE = re.compile(rb'\st="([^"]*)"')
_STYLE = re.compile(rb'\ss="[^"]*"')
_VALUE = re.compile(rb"<" + _PREFIX + rb"v>([^<]*)</" + _PREFIX + rb"v>")
_FORMULA = re.compile(rb"<" + _PREFIX + rb"f[\s/>]")
_NUMBER = re.compile(rb"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$")
_ISO = re.compile(
    rb"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"
    rb"|^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$"
)
_VALID = {b"n": _NUMBER, b"d": _ISO, b"b": re.compile(rb"^[01]$"), b"s": re.compile(rb"^\d+$")}
# A row with no cells and its number (styled empty rows, a million of them at times).
_EMPTY_ROW = re.compile(rb"<" + _PREFIX + rb'row\s[^<>]*?\br="\d+"[^<>]*/>')
_EMPTY_ROWS_KEPT = 1000
# Worth a closer look: a date cell, or a value that is no plain number.
_ODD_VALUE = re.compile(rb"<" + _PREFIX + rb"v>[^<]*[^0-9.eE+\-<\s][^<]*</")


def _real_date(text):
    import datetime

    try:
        datetime.datetime.fromisoformat(text.decode("ascii").replace("Z", "+00:00"))
    except ValueError:
        try:
            datetime.time.fromisoformat(text.decode("ascii"))
        except ValueError:
            return False
    return True


def _many_empty_rows(part):
    return (
        next(itertools.islice(_EMPTY_ROW.finditer(part), _EMPTY_ROWS_KEPT, None), None) is not None
    )


def _suspect(part):
    """A date cell, or a value that is no plain number (plain searches first)."""
    return b't="d"' in part or (b"v>" in part and _ODD_VALUE.search(part) is not None)


def _needs_repair(part):
    return _suspect(part) or _many_empty_rows(part)


def is_strict(archive) -> bool:
    """Whether the workbook part is written in Strict OOXML."""
    try:
        head = archive.open("xl/workbook.xml").read(4096)
    except KeyError:
        return False
    return _STRICT[0][0] in head


def _as_text(match, strings, bad):
    prefix, attributes, body = match.group(1), match.group(2) or b"", match.group(3)
    kind = (_TYPE.search(attributes) or [None, b"n"])[1]
    value = _VALUE.search(body)
    if value is None or _FORMULA.search(body) or kind not in _VALID:
        return match.group(0)
    text = value.group(1)
    fits = _VALID[kind].match(text) is not None
    if fits and kind == b"s":
        fits = int(text) < strings
    if fits and kind == b"n":
        fits = text.strip().lower() not in (b"nan", b"inf", b"-inf")
    if fits and kind == b"d":
        fits = _real_date(text)
    if fits:
        return match.group(0)
    bad.append(match.group(0))
    attributes = _STYLE.sub(b"", _TYPE.sub(b"", attributes)) + b' t="inlineStr"'
    return b"<%sc%s><%sis><%st>%s</%st></%sis></%sc>" % (
        prefix, attributes, prefix, prefix, text, prefix, prefix, prefix,
    )  # fmt: skip


def repaired_workbook(archive, data: bytes, file: str, strings: int) -> tuple[bytes, list[str]]:
    """(the workbook's bytes as openpyxl can read them, notes on what changed);
    ``data`` itself when nothing needs changing. ``strings`` is the number of
    shared strings (an index past it is a bad cell)."""
    strict = is_strict(archive)
    members = [m for m in archive.infolist() if not m.is_dir()]
    sheets = [m for m in members if m.filename.startswith("xl/worksheets/")]
    if not strict and not any(_needs_repair(read_member(archive, m, file)) for m in sheets):
        return data, []
    notes, parts = [], {}
    for member in members:
        part = read_member(archive, member, file)
        if strict and member.filename.endswith((".xml", ".rels")):
            for old, new in _STRICT:
                part = part.replace(old, new)
        if member in sheets and _many_empty_rows(part):
            part, dropped = _EMPTY_ROW.subn(b"", part)
            notes.append(f"{dropped:,} empty rows in {member.filename.rsplit('/', 1)[-1]} skipped")
        if member in sheets and _suspect(part):
            bad: list = []
            fixed = _CELL.sub(functools.partial(_as_text, strings=strings, bad=bad), part)
            if bad:
                notes.append(
                    f"{len(bad):,} cell(s) in {member.filename.rsplit('/', 1)[-1]} whose value "
                    "does not fit their type read as text"
                )
                part = fixed
        parts[member.filename] = part
    if not strict and not notes:
        return data, []
    if strict:
        notes.insert(0, "a Strict Open XML workbook; read as Excel's usual format")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as out:
        for name, part in parts.items():
            out.writestr(name, part)
    return buffer.getvalue(), notes
