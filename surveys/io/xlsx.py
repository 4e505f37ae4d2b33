"""Excel workbooks (.xlsx): every part bounded before openpyxl reads any, then
the first sheet (or the one named) read row by row within the row and cell bounds.
"""

import io
import posixpath
import re
import zipfile

import numpy as np
import pandas as pd

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.headers import match_headers
from hailin.surveys.io.archive import read_bytes
from hailin.surveys.io.raw import (
    HEADER_SEARCH_ROWS,
    RawTable,
    dedupe_headers,
    find_header_row,
    note,
)
from hailin.surveys.io.xlsx_repair import repaired_workbook
from hailin.surveys.io.xml import parse_xml
from hailin.surveys.io.zips import member_chunks, open_zip
from hailin.surveys.limits import LIMITS, Deadline, over_limit, refuse_past


def _worksheet(workbook, sheet, file, limits, deadline, last_rows):
    """(the sheet named, else the one holding the table, notes on the choice)."""
    names = workbook.sheetnames
    if sheet is None:
        return _sheet_with_table(workbook, file, limits, deadline, last_rows)
    if sheet in names:
        return workbook[sheet], []
    if str(sheet).isdigit() and 1 <= int(sheet) <= len(names):
        return workbook[names[int(sheet) - 1]], []
    raise SurveyFileError(f"no sheet {sheet!r}; sheets are: {', '.join(names)}", file=file)


def _sheet_with_table(workbook, file, limits, deadline, last_rows):
    """The first sheet whose header names known fields, else the first with a
    table (two rows of two cells or more), else the first with anything; a
    note says which was read when it is not the first."""
    found = []
    for worksheet in workbook.worksheets:
        rows = _sheet_rows(worksheet, file, limits, deadline, last_rows)
        head = [list(r) for _, r in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
        filled = [sum(c is not None and str(c).strip() != "" for c in row) for row in head]
        known = max(
            (len(match_headers([c for c in row if c is not None])) for row in head), default=0
        )
        found.append((worksheet, known >= 2, sum(n >= 2 for n in filled) >= 2, any(filled)))
    for test in (1, 2, 3):
        chosen = next((f[0] for f in found if f[test]), None)
        if chosen is not None:
            break
    else:
        names = ", ".join(repr(n) for n in workbook.sheetnames)
        raise SurveyFileError(f"every sheet is empty (sheets: {names})", file=file)
    if chosen is workbook.worksheets[0]:
        return chosen, []
    skipped = ", ".join(repr(f[0].title) for f in found[: workbook.worksheets.index(chosen)])
    return chosen, [f"read sheet {chosen.title!r}, the first holding a table ({skipped} skipped)"]


def _sheet_rows(worksheet, file, limits, deadline, last_rows):
    """The worksheet's rows as tuples up to its last row holding a cell (styled
    empty rows below are never parsed), refused past the row and cell bounds."""
    cells = 0
    last = last_rows.get(getattr(worksheet, "_worksheet_path", None))
    if last == 0:
        return
    # Read what is there: a declared size (A1:XFD1048576) would pad every row.
    worksheet.reset_dimensions()
    for rows, row in enumerate(worksheet.iter_rows(values_only=True, max_row=last), start=1):
        cells += len(row)
        if rows > limits.xlsx_rows or cells > limits.xlsx_cells:  # formatted only when past
            sheet = f"sheet {worksheet.title!r}"
            refuse_past(
                rows, limits.xlsx_rows, f"{sheet} has more than {limits.xlsx_rows:,} rows", file
            )
            reads = f"{sheet} reads as more than {limits.xlsx_cells:,} cells by row {rows:,}"
            refuse_past(cells, limits.xlsx_cells, reads, file)
        if not rows % 1024:
            deadline.check(f"row {rows:,}")
        yield row


def _blank(cells):
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_xlsx(path, file, sheet=None, limits=LIMITS):
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    deadline = Deadline(file, limits.read_seconds)
    # Bounds on members and on every workbook part before openpyxl inflates any.
    with open_zip(path, file, limits) as archive:
        strings, last_rows = check_xlsx_parts(archive, file, limits)
        data, notes = repaired_workbook(archive, read_bytes(path), file, strings)
    try:
        # A file object, so that a workbook under another name still opens.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as error:
        raise SurveyFileError(f"not a readable Excel workbook ({error})", file=file) from error
    except Exception as error:  # openpyxl raises many kinds on damaged parts
        raise SurveyFileError(
            f"not a readable Excel workbook ({type(error).__name__}: {error})", file=file
        ) from error
    try:
        worksheet, choice = _worksheet(workbook, sheet, file, limits, deadline, last_rows)
        notes = choice + notes
        try:
            rows = _sheet_rows(worksheet, file, limits, deadline, last_rows)
            head = [list(r) for _, r in zip(range(HEADER_SEARCH_ROWS), rows, strict=False)]
            header_index = find_header_row(head)
            if header_index is None:
                raise SurveyFileError(f"sheet {worksheet.title!r} is empty", file=file)
            titles = head[header_index]
            while titles and _blank(titles[-1:]):
                titles.pop()
            if len(titles) > limits.columns:
                raise SurveyFileError(
                    f"the header has {len(titles):,} columns (limit {limits.columns:,})",
                    file=file,
                    row=header_index + 1,
                )
            header = dedupe_headers(titles)
            width = len(header)
            body, numbers = [], []

            def keep(number, row):
                cells = (list(row[:width]) + [None] * width)[:width]
                if not _blank(cells):
                    body.append(cells)
                    numbers.append(number)

            for number, row in enumerate(head[header_index + 1 :], start=header_index + 2):
                keep(number, row)
            for number, row in enumerate(rows, start=len(head) + 1):
                keep(number, row)
        except SurveyFileError:
            raise
        except Exception as error:
            raise SurveyFileError(
                f"sheet {worksheet.title!r} cannot be read ({error})", file=file
            ) from error
    finally:
        workbook.close()
    frame = pd.DataFrame(body, columns=header, dtype=object)
    table = RawTable(frame, np.asarray(numbers, dtype=np.int64), format="xlsx")
    table.warnings.extend(note(n) for n in notes)
    return table


_PREFIX = rb"(?:[A-Za-z_][\w.-]{0,63}:)?"
_CELL_TAG = re.compile(rb"<" + _PREFIX + rb"c[\s/>]")
_STRING_TAG = re.compile(rb"<" + _PREFIX + rb"si[\s/>]")
_ROW_NUMBER = re.compile(rb"<" + _PREFIX + rb"row\s[^<>]{0,200}?\br=\"(\d{1,40})\"")
_CELL_ROW = re.compile(rb"<" + _PREFIX + rb"c\s[^<>]{0,200}?\br=\"[A-Za-z]{1,3}(\d{1,40})\"")
_LONGEST_TAG = 400  # longer than any match of the three patterns above


class _Scanner:
    """Matches of a tag pattern over a stream of chunks, in one pass and bounded memory."""

    def __init__(self, pattern):
        self.pattern, self.carry = pattern, b""

    def feed(self, chunk):
        buffer = self.carry + chunk
        cut = max(0, len(buffer) - _LONGEST_TAG)
        # A match holds no '<' but its first, so matches never overlap: take those
        # starting before the cut now, the rest with the next chunk.
        found = self.pattern.findall(buffer)
        later = len(self.pattern.findall(buffer, cut))
        self.carry = buffer[cut:]
        return found[: len(found) - later]

    def finish(self):
        return self.pattern.findall(self.carry)


def _scan(chunks, count=(), highest=()):
    """Scan a stream of chunks once, in bounded memory: ({pattern: number of
    matches} for the ``count`` patterns and {pattern: highest number captured}
    for the ``highest`` ones, in one mapping; bytes seen)."""
    scanners = [_Scanner(p) for p in (*count, *highest)]
    found_by = dict.fromkeys((*count, *highest), 0)
    size = 0

    def take(pattern, found):
        if pattern in highest:
            found_by[pattern] = max(found_by[pattern], max(map(int, found), default=0))
        else:
            found_by[pattern] += len(found)

    for chunk in chunks:
        size += len(chunk)
        for scanner in scanners:
            take(scanner.pattern, scanner.feed(chunk))
    for scanner in scanners:
        take(scanner.pattern, scanner.finish())
    return found_by, size


def _content_types(archive, file, limits):
    """{part name: content type} from the package's [Content_Types].xml."""
    try:
        member = archive.getinfo("[Content_Types].xml")
    except KeyError:
        return {}, {}
    data = b"".join(
        member_chunks(
            archive, member, file, limits.xlsx_part_bytes, "the limit for a workbook part"
        )
    )
    root = parse_xml(data, file, limits)
    overrides, defaults = {}, {}
    for element in root:
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "Override" and element.get("PartName"):
            name = element.get("PartName").lstrip("/")
            if name in overrides:
                raise SurveyFileError(
                    f"the workbook's content types name part {name!r} twice", file=file
                )
            overrides[name] = element.get("ContentType", "")
        elif tag == "Default" and element.get("Extension"):
            defaults[element.get("Extension").lower()] = element.get("ContentType", "")
    return overrides, defaults


_RELATIONS = {"worksheet": "worksheet+xml", "sharedStrings": "sharedStrings+xml"}
_MEDIA = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".emf", ".wmf", ".tif", ".tiff")


def _related_kinds(archive, file, limits):
    """{part name: content type} of the worksheets and shared strings the
    workbook's relationships point to: what openpyxl opens, whatever the
    content-type list says of them."""
    try:
        member = archive.getinfo("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    data = b"".join(
        member_chunks(
            archive, member, file, limits.xlsx_part_bytes, "the limit for a workbook part"
        )
    )
    kinds = {}
    for element in parse_xml(data, file, limits):
        kind = element.get("Type", "").rsplit("/", 1)[-1]
        target = element.get("Target", "")
        if kind in _RELATIONS and target:
            name = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            kinds[posixpath.normpath(name)] = _RELATIONS[kind]
    return kinds


def check_xlsx_parts(archive, file, limits=LIMITS):
    """Bound every part of an XLSX workbook before openpyxl reads it: the shared
    strings (bytes and count), each worksheet (bytes and cells), every other XML
    part, and all of them together, each measured as it actually inflates.
    Returns the number of shared strings and {worksheet part: the last row
    holding a cell}, so that reading stops there (rows below may be styled but
    empty, a million of them).

    openpyxl loads the whole shared-strings table even in read-only mode and scans
    each worksheet once on opening, so the bounds must hold before it starts.
    """
    overrides, defaults = _content_types(archive, file, limits)
    related = _related_kinds(archive, file, limits)
    total = cells = strings_in_all = 0
    last_rows = {}
    for member in archive.infolist():
        kind = (
            related.get(member.filename)
            or overrides.get(member.filename)
            or defaults.get(member.filename.rsplit(".", 1)[-1].lower(), "")
        )
        if kind.endswith("sharedStrings+xml"):
            what, budget = "shared strings", limits.xlsx_shared_strings_bytes
            count, highest = (_STRING_TAG,), ()
        elif kind.endswith("worksheet+xml"):
            what, budget = "worksheet", limits.xlsx_sheet_bytes
            count, highest = (_CELL_TAG,), (_ROW_NUMBER, _CELL_ROW)
        elif member.is_dir() or member.filename.lower().endswith(_MEDIA):
            continue  # folders and pictures: openpyxl does not read them here
        else:  # any other part, whatever its name or content type says
            what, budget, count, highest = "workbook part", limits.xlsx_part_bytes, (), ()
        if member.file_size > budget:
            raise SurveyFileError(
                f"{what} {member.filename!r} unpacks to {over_limit(member.file_size, budget)}",
                file=file,
            )
        chunks = member_chunks(archive, member, file, budget, f"the {what} limit")
        counts, size = _scan(chunks, count, highest)
        last_row = counts.get(_ROW_NUMBER, 0)
        total += size
        if total > limits.xlsx_total_bytes:
            raise SurveyFileError(
                f"workbook parts unpack to more than {over_limit(total, limits.xlsx_total_bytes)}",
                file=file,
            )
        part = f"{what} {member.filename!r}"
        strings = counts.get(_STRING_TAG, 0)
        strings_in_all += strings
        refuse_past(strings, limits.xlsx_shared_strings, f"{part} holds {strings:,} strings", file)
        if _CELL_TAG in counts:
            found = counts[_CELL_TAG]
            refuse_past(found, limits.xlsx_cells, f"{part} holds {found:,} cells", file)
            cells += found
            together = f"worksheets hold {cells:,} cells together"
            refuse_past(cells, limits.xlsx_workbook_cells, together, file)
        numbers = f"{part} numbers a row {last_row:,}"
        refuse_past(last_row, limits.xlsx_rows, numbers, file, unit=" rows")
        if _CELL_ROW in counts and counts[_CELL_TAG]:
            # Cells without their r attribute leave the last row unknown.
            last_rows[member.filename] = counts[_CELL_ROW] or None
    return strings_in_all, last_rows
