"""The import's error report as a Chinese reader downloads it: the header and
every reason in Chinese (hailin.web.portal.rowwords), streamed row by row; the
file itself stays as the import wrote it."""

import csv
import io

from django.utils.translation import gettext as _

from hailin.surveys.io.exports import ERROR_REPORT_HEADER, neutralise
from hailin.web.portal.rowwords import translate


def header():
    """The report's header in the reader's language (column for column)."""
    words = {"file": _("File"), "row": _("Row"), "column": _("Column"), "reason": _("Reason")}
    words["raw"] = _("Raw row")
    return [words.get(name, name) for name in ERROR_REPORT_HEADER]


def in_words(path):
    """The report at ``path`` as UTF-8 (with BOM, for Excel) CSV lines, translated."""
    reason = ERROR_REPORT_HEADER.index("reason")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        yield _line(header(), prefix="\ufeff")
        for row in reader:
            if len(row) > reason:
                row[reason] = neutralise(translate(row[reason]))
            yield _line(row)


def _line(cells, prefix=""):
    out = io.StringIO()
    csv.writer(out).writerow(cells)
    return (prefix + out.getvalue()).encode("utf-8")
