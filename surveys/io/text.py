"""Delimited text tables (CSV, TSV, TXT): the encoding judged line by line, lines
and cells bounded, the header found below any titles, ragged rows kept aside.
"""

import csv
import io

import numpy as np
import pandas as pd

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.archive import read_bytes
from hailin.surveys.io.raw import (
    HEADER_SEARCH_ROWS,
    RawTable,
    dedupe_headers,
    find_header_row,
    note,
)
from hailin.surveys.limits import LIMITS, Deadline, over_limit

# Byte-order marks of UTF-16 text (Excel's "Unicode text").
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def decode_text(data, file, deadline=None):
    r"""Text bytes as UTF-8 bytes: ``(data, encoding, misencoded lines)``.

    UTF-8 (with or without BOM), UTF-16 with a BOM, and GBK/GB18030 are read.
    When lines in both UTF-8 and GBK occur, the file is taken to be in the
    encoding of most of its lines (UTF-8 when it has a BOM) and the lines in the
    other come back as rejects-to-be (``{"row", "raw", "message"}``), blanked in
    ``data`` so that line numbers hold: nothing is read as mojibake.

    Examples
    --------
    >>> data = "时间\n".encode() + "西侧\n".encode("gbk") + "东侧\n".encode()
    >>> text, encoding, bad = decode_text(data, "mixed.csv")
    >>> text.decode(), encoding, bad[0]["row"], bad[0]["raw"]
    ('时间\n\n东侧\n', 'utf-8', 2, '西侧')
    >>> bad[0]["message"]
    'line is GBK-encoded while the file is UTF-8'
    """
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16").encode("utf-8"), "utf-16", []
        except UnicodeDecodeError as error:
            raise SurveyFileError(
                "text starts as UTF-16 (byte-order mark) but holds undecodable bytes", file=file
            ) from error
    bom = data.startswith(b"\xef\xbb\xbf")
    if bom:
        data = data[3:]
    try:
        data.decode("utf-8")
        return data, "utf-8-sig" if bom else "utf-8", []
    except UnicodeDecodeError:
        pass
    # Not UTF-8 throughout: GBK, or a mix. Judge line by line (no GBK or UTF-8
    # character spans a line feed).
    lines = data.split(b"\n")
    in_utf8, in_gbk = [], []
    for index, line in enumerate(lines):
        if deadline is not None and not index % 65536:
            deadline.check(f"line {index + 1:,}")
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            in_utf8.append(index)
        except UnicodeDecodeError:
            try:
                line.decode("gb18030")
            except UnicodeDecodeError as error:
                raise SurveyFileError(
                    "text is neither UTF-8 nor GBK/GB18030 (undecodable bytes)",
                    file=file,
                    row=index + 1,
                ) from error
            in_gbk.append(index)
    if not in_utf8:
        return _legacy_chinese(data)
    if bom or len(in_utf8) >= len(in_gbk):
        encoding, odd, odd_encoding, message = "utf-8", in_gbk, "gb18030", "GBK-encoded"
        label = "UTF-8"
    else:
        encoding, odd, odd_encoding, message = "gb18030", in_utf8, "utf-8", "UTF-8-encoded"
        label = "GBK"
    misencoded = []
    for index in odd:
        misencoded.append(
            {
                "row": index + 1,
                "raw": lines[index].decode(odd_encoding).rstrip("\r"),
                "message": f"line is {message} while the file is {label}",
            }
        )
        lines[index] = b""
    text = b"\n".join(lines)
    if encoding != "utf-8":
        text = text.decode(encoding).encode("utf-8")
    return text, encoding, misencoded


_SAMPLE_BYTES = 256 * 1024


def _legacy_chinese(data):
    """Text in no UTF-8 at all: Big5 when it looks so, else GBK/GB18030."""
    if looks_like_big5(data):
        return data.decode("cp950").encode("utf-8"), "big5", []
    return data.decode("gb18030").encode("utf-8"), "gb18030", []


def looks_like_big5(data: bytes) -> bool:
    """Whether text that is no UTF-8 is Big5 (traditional Chinese, Taiwan and Hong
    Kong) rather than GBK: read as GBK, Big5 gives mostly characters outside the
    common GB2312 set, and it decodes as Big5 (code page 950) throughout.

    Examples
    --------
    >>> text = "柯灣保護區巡查紀錄：互花米草復萌，已人工拔除。"
    >>> looks_like_big5(text.encode("big5")), looks_like_big5(text.encode("gb18030"))
    (True, False)
    """
    try:
        data.decode("cp950")
    except UnicodeDecodeError:
        return False
    sample = data[:_SAMPLE_BYTES].decode("gb18030", "replace")
    wide = [c for c in sample if ord(c) > 0x2E80]
    if not wide:
        return False
    common = 0
    for character in wide:
        try:
            character.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            pass
    return common / len(wide) < 0.8


def line_ends(data, offset, size):
    r"""Offsets of the line ends in ``data[offset:offset + size]`` (\n, \r\n or \r)."""
    window = np.frombuffer(data, np.uint8, count=min(size + 1, len(data) - offset), offset=offset)
    body, after = window[:size], window[1 : size + 1]
    if len(after) < len(body):
        after = np.append(after, np.uint8(0))
    ends = (body == 10) | ((body == 13) & (after != 10))
    return np.flatnonzero(ends) + offset


def _check_lines(data, file, limits):
    """Refuse a text whose longest line passes the bound; returns the line count."""
    count, start, step = 0, 0, 16 * 1024 * 1024
    for offset in range(0, len(data), step):
        size = min(step, len(data) - offset)
        ends = line_ends(data, offset, size)
        lengths = np.diff(ends, prepend=start - 1) - 1 if len(ends) else np.array([], np.int64)
        if len(lengths) and lengths.max() > limits.line_bytes:
            at = int(np.argmax(lengths))
            refuse_line(count + at + 1, int(lengths[at]), file, limits)
        if len(ends):
            count, start = count + len(ends), int(ends[-1]) + 1
        if offset + size - start > limits.line_bytes:  # a line still open
            refuse_line(count + 1, offset + size - start, file, limits)
    return count + (start < len(data))


def refuse_line(number, length, file, limits):
    raise SurveyFileError(
        f"line is {length:,} bytes long (limit {limits.line_bytes:,} bytes)",
        file=file,
        row=number,
    )


def sniff_delimiter(lines):
    best, best_count = ",", 0
    for delimiter in (",", "\t", ";", "|"):
        counts = [line.count(delimiter) for line in lines if line.strip()]
        if counts and min(counts) > 0 and counts[0] > best_count:
            best, best_count = delimiter, counts[0]
    return best


_PROBE_CHARS = 65_536
# Every cell as the text it is: no header guessing, no NaN for "NA", blank lines kept
# (they count in the line numbers).
AS_TEXT = {
    "header": None,
    "dtype": object,
    "keep_default_na": False,
    "skip_blank_lines": False,
    "engine": "c",
    "encoding": "utf-8",
}


def first_lines(data, count, limits):
    """The first ``count`` lines of UTF-8 ``data`` as text (lines already bounded)."""
    size = min(len(data), (count + 1) * (limits.line_bytes + 2))
    ends = line_ends(data, 0, size)
    end = int(ends[count - 1]) if len(ends) >= count else size
    return data[:end].decode("utf-8").splitlines()[:count]


def read_delimited(path, file, limits=LIMITS):
    """A CSV, TSV or TXT table as a :class:`RawTable` (see the module docstring)."""
    deadline = Deadline(file, limits.read_seconds)
    data, encoding, misencoded = decode_text(read_bytes(path), file, deadline)
    if len(data) > limits.text_bytes:
        raise SurveyFileError(
            f"the text, as UTF-8, is {over_limit(len(data), limits.text_bytes)}",
            file=file,
        )
    lines = _check_lines(data, file, limits)
    head_lines = first_lines(data, HEADER_SEARCH_ROWS, limits)
    delimiter = sniff_delimiter(head_lines[:5])
    header, header_line = table_header(head_lines, delimiter, misencoded, file, limits)
    rows = max(lines - header_line, 0)
    if rows * len(header) > limits.cells:
        raise SurveyFileError(
            f"{rows:,} rows of {len(header)} columns make {rows * len(header):,} cells "
            f"(limit {limits.cells:,})",
            file=file,
        )
    frame = _read_quickly(data, delimiter, header, header_line, file)
    if frame is None:
        table = _read_delimited_slowly(data, delimiter, header, header_line, file, limits, deadline)
    else:
        quoted = b'"' in data  # without quote marks no field spans lines
        del data  # the frame holds the text now
        table = text_table(frame, source_lines(frame, header_line, file, limits, quoted))
    if misencoded:
        table.ragged = sorted(table.ragged + misencoded, key=lambda r: r["row"])
        table.warnings.append(
            note(
                f"{len(misencoded)} line(s) in another encoding than the file's "
                f"{'UTF-8' if encoding == 'utf-8' else 'GBK'} rejected: save the file in "
                "one encoding"
            )
        )
    table.warnings.append(note(f"read as {encoding} text, delimiter {delimiter!r}"))
    return table


def text_table(frame, source_rows):
    """The rows the C parser read as a :class:`RawTable`, blank lines dropped
    (they still count in ``source_rows``, the line each row starts on)."""
    # A blank line reads as a row of empty cells: only rows whose first cell is
    # empty are looked at whole.
    empty_first = np.flatnonzero((frame.iloc[:, 0] == "").to_numpy())
    blank = empty_first[(frame.iloc[empty_first] == "").all(axis=1).to_numpy()]
    if blank.size:
        keep = np.ones(len(frame), dtype=bool)
        keep[blank] = False
        frame, source_rows = frame[keep].reset_index(drop=True), source_rows[keep]
    return RawTable(frame.astype(object), source_rows, format="csv")


def table_header(head_lines, delimiter, misencoded, file, limits):
    """(unique column names, 1-based line) of the header among the first lines."""
    # Finding the header needs only the start of each line, and the csv module
    # refuses fields over 128 KiB (a long note in the first rows is no reason to fail).
    probe = list(csv.reader((line[:_PROBE_CHARS] for line in head_lines), delimiter=delimiter))
    header_index = find_header_row(probe)
    if header_index is None:
        raise SurveyFileError("no header row and no data", file=file)
    header_line = header_index + 1  # 1-based line of the header
    if misencoded and misencoded[0]["row"] <= header_line:
        raise SurveyFileError(
            f"{misencoded[0]['message']}, above the data; save the file in one encoding",
            file=file,
            row=misencoded[0]["row"],
        )
    try:  # the header line itself, whole
        header_cells = next(csv.reader([head_lines[header_index]], delimiter=delimiter))
    except csv.Error as error:
        raise SurveyFileError(
            f"the header cannot be read ({error})", file=file, row=header_line
        ) from error
    if len(header_cells) > limits.columns:
        raise SurveyFileError(
            f"the header has {len(header_cells):,} columns (limit {limits.columns:,})",
            file=file,
            row=header_line,
        )
    return dedupe_headers(header_cells), header_line


def _read_quickly(data, delimiter, header, header_line, file):
    """The rows below the header read by pandas' C parser, or None when a row
    is wider than the header (then they are read line by line)."""
    try:
        # Our own unique names: pandas' renaming of repeated headers is quadratic.
        frame = pd.read_csv(
            io.BytesIO(data), sep=delimiter, skiprows=header_line, names=header, **AS_TEXT
        )
    except pd.errors.ParserError:
        return None
    except pd.errors.EmptyDataError as error:
        raise SurveyFileError("no header row and no data", file=file) from error
    # A first row wider than the header turns into an index: read line by line.
    return frame if isinstance(frame.index, pd.RangeIndex) else None


def source_lines(frame, header_line, file, limits, quoted=True):
    """The line each row starts on; refused when a quoted field spans more than
    ``limits.quoted_lines`` lines (an unbalanced quote swallowing the rows below)."""
    first = np.arange(len(frame), dtype=np.int64) + header_line + 1
    if len(frame) == 0 or not quoted:
        return first
    breaks = np.column_stack([frame[c].str.count("\n").to_numpy() for c in frame.columns])
    if not breaks.any():
        return first
    spans = breaks.sum(axis=1) + 1
    starts = header_line + 1 + np.cumsum(spans) - spans
    widest = breaks.max(axis=1)
    if widest.max() >= limits.quoted_lines:
        at = int(np.argmax(widest))
        _refuse_swallowed(int(starts[at]), int(widest[at]) + 1, file, limits)
    return starts.astype(np.int64)


def _refuse_swallowed(line, span, file, limits):
    raise SurveyFileError(
        f"a quoted field opens on line {line:,} and runs over {span:,} lines "
        f'(limit {limits.quoted_lines:,}): an unbalanced quote mark (") swallows the rows '
        "below it; close or remove it",
        file=file,
        row=line,
    )


def _read_delimited_slowly(data, delimiter, header, header_line, file, limits, deadline):
    """Rows of the wrong width: read line by line, keep them as rejects-to-be."""
    reader = csv.reader(io.StringIO(data.decode("utf-8")), delimiter=delimiter)
    good, numbers, ragged = [], [], []
    cells = previous = 0
    try:
        for number, row in enumerate(reader, start=1):
            span, previous = reader.line_num - previous, reader.line_num
            if span > limits.quoted_lines:
                _refuse_swallowed(previous - span + 1, span, file, limits)
            if number <= header_line:
                continue
            if not number % 4096:
                deadline.check(f"line {number:,}")
            cells += len(row)
            if cells > limits.cells:
                raise SurveyFileError(
                    f"more than {limits.cells:,} cells by line {number:,} (limit {limits.cells:,})",
                    file=file,
                )
            if not any(cell.strip() for cell in row):
                continue
            if len(row) == len(header):
                good.append(row)
                numbers.append(number)
            else:
                ragged.append((number, row))
    except csv.Error as error:
        raise SurveyFileError(
            f"cannot be read as delimited text ({error})", file=file, row=reader.line_num
        ) from error
    frame = pd.DataFrame(good, columns=header, dtype=object)
    table = RawTable(frame, np.asarray(numbers, dtype=np.int64), format="csv")
    table.ragged = [
        {
            "row": number,
            "raw": delimiter.join(row),
            "message": f"has {len(row)} fields, the header has {len(header)}",
        }
        for number, row in ragged
    ]
    return table
