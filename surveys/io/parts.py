"""A long UTF-8 CSV/TXT table read a part at a time, so that its import holds
one part in memory whatever the file's length.

The file is scanned first in blocks of bounded size: every byte must be UTF-8
(a file in another encoding is read whole, by :mod:`hailin.surveys.io.text`,
within that reader's limits), no line longer than ``limits.line_bytes``, the
lines counted and the cells bounded by ``limits.part_cells``. Its header is
found as the whole-file reader finds it; then pandas' C parser reads
``limits.part_rows`` rows at a time, each part a :class:`RawTable` whose rows
carry the file's own line numbers. A row wider than the header stops the read
(:class:`WiderRow`): such a file is read whole, where those rows become rejects.
"""

from __future__ import annotations

import codecs
import dataclasses
from collections.abc import Iterator

import numpy as np
import pandas as pd

from hailin.surveys.errors import SurveyFileError
from hailin.surveys.io.raw import HEADER_SEARCH_ROWS, RawTable, note
from hailin.surveys.io.sniff import remove_control_characters
from hailin.surveys.io.text import (
    AS_TEXT,
    UTF16_BOMS,
    first_lines,
    line_ends,
    refuse_line,
    sniff_delimiter,
    source_lines,
    table_header,
    text_table,
)
from hailin.surveys.limits import LIMITS, Deadline, Limits

_BLOCK = 16 * 1024 * 1024
# Smaller texts are read whole: they hold too few rows for parts to matter.
PARTS_FROM_BYTES = 4 * 1024 * 1024


class WiderRow(Exception):
    """A row of the file holds more fields than its header: read it whole."""


@dataclasses.dataclass(frozen=True)
class Scan:
    """What the scan of a UTF-8 text found: its lines, whether any quote mark
    occurs (else no field spans lines), whether it starts with a byte-order mark."""

    lines: int
    quoted: bool
    bom: bool


def scan_text(path, file: str, limits: Limits | None = None) -> Scan | None:
    """Scan the text at ``path`` in blocks (see the module docstring); None
    when it is not UTF-8 throughout. A line past the bound refuses the file.

    Examples
    --------
    >>> import pathlib
    >>> path = pathlib.Path(__file__).parents[2] / "tests/data/formats/patrol_en.csv"
    >>> scan_text(path, "patrol_en.csv")
    Scan(lines=5, quoted=False, bom=False)
    """
    limits = limits or LIMITS
    decoder = codecs.getincrementaldecoder("utf-8")()
    deadline = Deadline(file, limits.read_seconds)
    count, start, offset, quoted, bom = 0, 0, 0, False, False
    with open(path, "rb") as handle:
        while block := handle.read(_BLOCK):
            while block.endswith(b"\r") and (more := handle.read(1)):
                block += more  # a CR LF is never cut in two
            if offset == 0:
                if block.startswith(UTF16_BOMS):
                    return None
                bom = block.startswith(b"\xef\xbb\xbf")
            try:
                decoder.decode(block)
            except UnicodeDecodeError:
                return None
            quoted = quoted or b'"' in block
            ends = line_ends(block, 0, len(block)) + offset
            lengths = np.diff(ends, prepend=start - 1) - 1
            if len(lengths) and lengths.max() > limits.line_bytes:
                at = int(np.argmax(lengths))
                refuse_line(count + at + 1, int(lengths[at]), file, limits)
            if len(ends):
                count, start = count + len(ends), int(ends[-1]) + 1
            offset += len(block)
            if offset - start > limits.line_bytes:  # a line still open
                refuse_line(count + 1, offset - start, file, limits)
            deadline.check(f"line {count:,}")
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return None
    return Scan(count + (start < offset), quoted, bom)


def read_parts(path, file: str, scan: Scan, limits: Limits | None = None) -> Iterator[RawTable]:
    """The rows of the scanned UTF-8 text at ``path``, ``limits.part_rows`` at a
    time, each part a :class:`RawTable` (the first carries the file's notes)."""
    limits = limits or LIMITS
    with open(path, "rb") as handle:
        head = handle.read((HEADER_SEARCH_ROWS + 1) * (limits.line_bytes + 2))
    head_lines = first_lines(head.removeprefix(b"\xef\xbb\xbf"), HEADER_SEARCH_ROWS, limits)
    delimiter = sniff_delimiter(head_lines[:5])
    header, header_line = table_header(head_lines, delimiter, [], file, limits)
    rows = max(scan.lines - header_line, 0)
    if rows * len(header) > limits.part_cells:
        raise SurveyFileError(
            f"{rows:,} rows of {len(header)} columns make {rows * len(header):,} cells "
            f"(limit {limits.part_cells:,})",
            file=file,
        )
    notes = [note(f"read as {'utf-8-sig' if scan.bom else 'utf-8'} text, delimiter {delimiter!r}")]
    options = {**AS_TEXT, "chunksize": limits.part_rows, "encoding": "utf-8-sig"}
    before = header_line  # the line before the part's first row
    with pd.read_csv(path, sep=delimiter, skiprows=header_line, names=header, **options) as reader:
        while True:
            deadline = Deadline(file, limits.read_seconds)
            try:
                frame = next(reader)
            except StopIteration:
                return
            except pd.errors.ParserError as error:
                raise WiderRow from error
            if not isinstance(frame.index, pd.RangeIndex):
                raise WiderRow
            frame = frame.reset_index(drop=True)
            starts = source_lines(frame, before, file, limits, scan.quoted)
            before = int(starts[-1]) + _breaks(frame.iloc[-1]) if scan.quoted else int(starts[-1])
            table = text_table(frame, starts)
            table.warnings, notes = notes, []
            remove_control_characters(table)
            deadline.check(f"line {before:,}")
            yield table


def _breaks(row: pd.Series) -> int:
    """Line breaks inside the cells of one row (quoted fields spanning lines)."""
    return sum(str(cell).count("\n") for cell in row if isinstance(cell, str))
