"""What hailin says about a row or a file, in the reader's language: one
mechanism for the command line and the portal.

The readers and checks write their messages in English, with the values
filled in. Each message shape is listed here once as a template with named
slots ("{value} is outside {low}..{high}"); its Chinese is in the one gettext
catalogue (hailin/web/portal/locale/zh_Hans/LC_MESSAGES/django.po, compiled to
django.mo), read here with the standard library's :mod:`gettext`, so the
command line needs no Django. :func:`translate` finds the template a message
fits and fills the translated template with the same values. A message no
template fits stays as it is (tests/test_field_words.py fails on such a
message from the bad-file corpus).
"""

import functools
import gettext as _gettext
import pathlib
import re

# One entry per message shape the readers and checks write (the English is the msgid).
TEMPLATES = (
    # rows
    "{value} is outside {low}..{high}",
    "{value} is negative",
    "{value} km from the nearest site (limit {limit} km); wrong coordinates or CRS?",
    "longitude and latitude look swapped ({value})",
    "unreadable date/time {value}",
    "date/time is in the future ({value})",
    "unreadable coordinate {value}",
    "coordinates out of range (longitude -180..180, latitude -90..90)",
    "unknown finding {value}; expected one of {choices}; negated with {negations}; "
    "an action may follow ({example})",
    "unknown finding {value} (not understood: {parts}); expected one of {choices}; "
    "negated with {negations}; an action may follow ({example})",
    "unknown patrol type {value}; expected one of {choices}",
    "no finding",
    "no finding: {value} is no finding word",
    "no coordinates",
    "unreadable time {value}",
    "not a number: {value}",
    "date/time is missing or outside the plausible window",
    "--strict: rejected whole because some rows are bad",
    "unknown action {value}; expected one of {choices}",
    "has {got} fields, the header has {want}",
    "invalid polygon ({detail}) repaired: area as drawn {before} m² ({before_mu} mu), "
    "after repair {after} m² ({after_mu} mu)",
    # files
    "read as {encoding} text, delimiter {delimiter}",
    "text is neither UTF-8 nor GBK/GB18030 (undecodable bytes)",
    "the file is empty",
    "holds no records",
    "no header row and no data",
    "missing required column(s): {words}; found: {found}",
    "{first} and {second} (lon, lat) or a WKT column",
    "{first} or {second} (date/time)",
    "{first} or {second} (date/time), or --observed-on DATE for a file without times",
    "{first} or {second} (date/time), or a date in the file name ({example})",
    "{first} (finding)",
    "no date/time column: every row dated {stamp} local time ({how})",
    "the date in the file name",
    "is a folder, not a file",
    "changed while it was being imported; import it again",
    "not a JPEG or HEIC photo",
    "the photo's GPS position is 0, 0 (the phone had no fix)",
    "{first} (patrol type) or --patrol-type",
    "a binary file of a kind hailin does not read",
    "the name ends in {suffix} but the content is {kind}; read as {read}",
    "coordinates look like metres (easting up to {value}) but the CRS {crs} is geographic; "
    "give the zone, e.g. {example}",
    "cannot be read as GeoJSON: {detail}",
    "not a readable Excel workbook ({detail})",
    "an old Excel .xls workbook; save it as .xlsx and upload again",
    "not well-formed XML ({detail})",
    "XML declares entities ({detail}); refused for safety",
    "GPX holds no waypoints, tracks or routes",
    "KML holds no placemarks",
    "a bare .shp cannot be read alone; upload the .shp, .shx, .dbf, .prj and .cpg zipped together",
    "not a readable ZIP archive (truncated or corrupt?)",
    "a ZIP archive without a Shapefile (.shp), KML or Excel workbook inside",
    "the Shapefile in the archive lacks {part}",
    "archive has {count} members (limit {limit})",
    "archive member {name} inflates {ratio}x (limit {limit}x; a zip bomb?)",
    "archive member {name} points outside the archive",
    "no such file",
    "internal error while reading or checking the file ({detail}); this is a hailin bug, "
    "please report it. Details in {log}",
    "internal error importing {name} ({detail}) (a hailin bug); details in {log}",
    # the portal's own
    "the store is busy with other imports; try again in a minute",
    "identical to an earlier upload ({status}); nothing new stored",
    "internal error while importing ({name}); this is a hailin bug, details in the "
    "workspace's logs/portal.log",
)
# Slots whose text is itself a message shape (translated in turn).
NESTED = ("words", "how")
# How the command line frames a file's summary and its messages (said with :func:`say`).
CLI_WORDS = (
    "{file}: {status} ({read} read, {accepted} accepted, {rejected} rejected)",
    "{file}: {status} ({read} read, {accepted} accepted, {rejected} rejected, "
    "{duplicate} already stored)",
    "(dry run) {summary}",
    "note: {message}",
    "note column {column}: {message}",
    "{file}, row {row}: {message}",
    "{file}, column {column}: {message}",
    "{file}, row {row}, column {column}: {message}",
    "{file}: {message}",
    "… {count} more rejected row(s)",
    "every rejected row: {path}",
    # the error report's header
    "file",
    "row",
    "column",
    "reason",
    "raw",
    # an import's status, as the summary names it
    "accepted",
    "partial",
    "rejected",
    "duplicate",
)
LOCALE = pathlib.Path(__file__).resolve().parent / "web" / "portal" / "locale"
_SLOT = re.compile(r"\{(\w+)\}")


@functools.cache
def _patterns():
    """(compiled pattern, template) of every template, the longest first."""
    compiled = []
    for template in sorted(TEMPLATES, key=len, reverse=True):
        parts = _SLOT.split(template)
        regex = "".join(
            re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
        )
        compiled.append((re.compile(regex + r"\Z", re.DOTALL), template))
    return compiled


def template_of(message):
    """(template, values) of the template ``message`` fits, or (None, {}).

    Examples
    --------
    >>> template_of("150 is outside 0..100")
    ('{value} is outside {low}..{high}', {'value': '150', 'low': '0', 'high': '100'})
    """
    for pattern, template in _patterns():
        found = pattern.match(str(message))
        if found:
            return template, found.groupdict()
    return None, {}


@functools.cache
def catalogue(language: str) -> _gettext.NullTranslations:
    """The catalogue of ``language`` ("zh", "zh-hans" … or "en"): the English
    msgids themselves for anything but Chinese.

    Examples
    --------
    >>> catalogue("zh").gettext("Reason")
    '原因'
    """
    if not str(language).lower().startswith("zh"):
        return _gettext.NullTranslations()
    return _gettext.translation("django", LOCALE, languages=["zh_Hans"])


def say(text: str, language: str, **values: object) -> str:
    """``text`` (a msgid, with ``values`` filled into its slots) in ``language``.

    Examples
    --------
    >>> say("every rejected row: {path}", "zh", path="out/a.csv")
    '全部未接收的行：out/a.csv'
    """
    words = catalogue(language).gettext(text)
    return words.format(**values) if values else words


def translate(message: object, language: str = "en") -> str:
    """``message``, as a reader or check wrote it, in ``language`` ("zh",
    "zh-hans" … or "en"); a message no template fits stays as it is.

    Examples
    --------
    >>> translate("-5 is negative", "zh")
    '-5 为负数'
    """
    template, values = template_of(message)
    if template is None:
        return str(message)
    for name in NESTED:
        if name in values:
            values[name] = translate(values[name], language)
    if "status" in values:  # an upload's status word
        values["status"] = say(values["status"], language)
    return say(template, language, **values)
