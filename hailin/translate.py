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
    # plots, GIS layers, photos
    "no geometry",
    "{count} of {total} points lie outside every site but inside one when read as GCJ-02 (Gaode/Tencent map coordinates, about 550 m off); if the file comes from such a map, import it with --crs gcj02",
    "eastings with a zone number ({zone}) only fit CGCS2000 Gauss-Kruger zones, but the CRS is {crs}",
    "clearance plot {first} overlaps stored plot {second} by {m2} m²",
    "clearance plots {first} and {second} overlap by {m2} m²",
    "plot {plot_id} lies outside every site",
    "{more} more invalid polygon(s) repaired",
    "layer {view} is a view; read by hailin within its bounds",
    "GeoPackage has {count} layers; read {chosen}",
    "no .prj in the archive; CRS taken from --crs or WGS84",
    "the .cpg says UTF-8 but the attribute table is not; read as GBK (GB18030)",
    "field names cut mid-character by the .dbf's 10-byte limit read as {names}",
    "the error report could not be written ({error}); the rejected rows are in the store's rejects layer",
    "the photo's time {time} UTC is outside the plausible window ({start} to {end}); check the camera's clock",
    "the photo was taken {km} km from the nearest site (at most {limit} km)",
    "this photo is stored already",
    "no standing photo {photo}",
    "say why the photo is withdrawn",
    "the photo is too large to open ({detail})",
    "not a readable {kind} photo ({detail})",
    "the photo is {width}×{height} pixels; at most {limit} pixels and {side} on a side",
    "the photo is larger than {limit} MiB",
    "the photo's EXIF cannot be read ({detail})",
    "the photo has no GPS position in its EXIF (location was off when it was taken); it cannot be placed",
    "the photo's GPS position {lat}, {lon} is out of range",
    "the photo has no time in its EXIF (DateTimeOriginal or GPS time)",
    "the observation has no valid time or position",
    # the command line's refusals (hailin: error: …)
    "only a GeoPackage has layers",
    "{output}: write .csv, .xlsx, .gpkg or .geojson",
    "name the week: --week 2024-W20",
    "no account {name} (see `hailin users list`)",
    "there is an account {name} already",
    "a user name is 1-150 characters without spaces",
    "a patrol account needs its team",
    "no column {by} in {where}; columns are: {columns}",
    "another program (no running hailin import is recorded as holding it; QGIS or an SQLite tool editing the store holds it the same way)",
    "another program (no running hailin import is recorded as holding it; a record left by pid {pid}, which is no longer running, was ignored; QGIS or an SQLite tool editing the store holds it the same way)",
    "{what} (pid {pid} on {host}, writing since {since})",
    "{source}: no features",
    "{source}: no site id or name column; expected one of {choices}, found {found}",
    "{source}: feature {n} has no site id or usable name",
    "{source}: site id(s) {ids} appear more than once",
    "{source}: feature {n} ({site}) is {kind}; site boundaries must be polygons",
    "week should be written like 2024-W20, got {value}",
    "no teams: write teams.toml in the workspace, or [[plan.team]] tables in hailin.toml (see the planners' guide)",
    "{name}: no such teams file",
    "{root} is not a hailin workspace (no hailin.toml); create one with `hailin init {name}` or point to one with -w DIR or $HAILIN_WORKSPACE",
    "{root} already holds a hailin workspace",
    "language should be one of {choices}, got {value}",
    "an upload id is the file's sha256 or its first {count}+ hex digits (see `hailin uploads list`); got {value}",
    "no upload {value} in this workspace (see `hailin uploads list`)",
    "{value} names {count} uploads ({ids}); give more digits",
    "say why the upload is withdrawn (--reason TEXT)",
    "the reason is {count} characters; at most {limit}",
    "upload {value} was withdrawn already (at {when}: {why}); nothing to withdraw",
    "{path}: no store here",
    "{path}: not a GeoPackage store",
    "{path}: the store is locked by {holder}; waited {wait} s for it. Nothing was written; try again when it has finished",
    "{path}: the ledger is written as {formats}; got {suffix}",
    "{path}: the 台账 is written as .xlsx",
    "an as-of date is YYYY-MM-DD or YYYY-MM, got {value}",
    "no coordinate reference system given",
    "the data has no coordinate reference system; give one (--crs)",
    "unknown coordinate reference system {value}: expected an EPSG code, WKT, 'wgs84', 'cgcs2000', 'gcj02' or 'cgcs2000:gk3:zone40'-style name",
    "{cause}: nothing half-written was left; free some space and run the command again",
    "the disk is full",
    "the disk is full writing {file}",
    "the disk quota is used up",
    "the disk quota is used up writing {file}",
    "the store cannot be read or written: {detail}",
    "internal error ({detail}) (a hailin bug); details in {log}",
    # the portal's own
    "the store is busy with other work; try again in a few minutes",
    "internal error while storing the photo ({name})",
    "identical to an earlier upload ({status}); nothing new stored",
    "internal error while importing ({name}); this is a hailin bug, details in the "
    "workspace's logs/portal.log",
)
# Click's own message shapes (a usage error of the command line), its words for a path.
CLICK_WORDS = (
    "Missing argument {hint}.",
    "Missing option {hint}.",
    "Missing command.",
    "No such option {name}.",
    "No such option {name}. Did you mean {other}?",
    "No such option {name}. (Did you mean one of: {others}?)",
    "No such command {name}.",
    "Got unexpected extra argument ({args})",
    "Got unexpected extra arguments ({args})",
    "Option {name} requires an argument.",
    "Invalid value for {hint}: {reason}",
    "{value} is not one of {choices}.",
    "{value} is not a valid {kind}.",
    "{value} is not in the range {range}.",
    "{kind} {value} does not exist.",
    "{kind} {value} is a file.",
    "{kind} {value} is a directory.",
    "File",
    "Directory",
    "Path",
)
# Slots whose text is itself a message shape (translated in turn).
NESTED = ("words", "how", "reason", "kind", "cause", "holder")
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
    "hailin: error: {message}",
    "Try '{command} -h' for help.",
    "Usage:",
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
    for template in sorted(TEMPLATES + CLICK_WORDS, key=len, reverse=True):
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
