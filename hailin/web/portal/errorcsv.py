"""The import's error report as a Chinese reader downloads it: the header and
every reason in Chinese (hailin.translate), streamed row by row; the
file itself stays as the import wrote it."""

import csv

from django.utils.translation import get_language

from hailin.surveys.io.exports import ERROR_REPORT_HEADER, csv_line, report_header
from hailin.translate import translate


def in_words(path):
    """The report at ``path`` as UTF-8 (with BOM, for Excel) CSV lines, in the
    request's language (taken now: the lines are streamed after the view returns)."""
    return _lines(path, get_language())


def _lines(path, language):
    reason = ERROR_REPORT_HEADER.index("reason")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield csv_line(report_header(language), prefix="\ufeff")
        for row in reader:
            if len(row) > reason:
                row[reason] = translate(row[reason], language)
            yield csv_line(row)
