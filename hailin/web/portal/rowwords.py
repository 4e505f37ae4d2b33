"""What the import says about a row or a file, in the reader's language.

The readers and checks write their messages in English, with the values
filled in. Each message shape is listed here once as a template with named
slots ("{value} is outside {low}..{high}"); its Chinese is in the portal's one
gettext catalogue (locale/zh_Hans/LC_MESSAGES/django.po).
:func:`translate` finds the template a message fits and fills the translated
template with the same values. A message no template fits stays as it is
(tests/test_field_words.py fails on such a message from the bad-file corpus).
"""

import functools
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
    # the portal's own
    "the store is busy with other imports; try again in a minute",
    "identical to an earlier upload ({status}); nothing new stored",
    "internal error while importing ({name}); this is a hailin bug, details in the "
    "workspace's logs/portal.log",
)
# Slots whose text is itself a message shape (translated in turn).
NESTED = ("words",)
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


def translate(message, gettext=None):
    """``message`` in the active language: through ``gettext`` (a catalogue's
    lookup, e.g. :class:`gettext.GNUTranslations`'s), else Django's active one.

    Examples
    --------
    >>> from django.utils import translation
    >>> with translation.override("zh-hans"):
    ...     translate("-5 is negative")
    '-5 为负数'
    """
    template, values = template_of(message)
    if template is None:
        return message
    if gettext is None:
        from django.utils import translation

        gettext = translation.gettext
    for name in NESTED:
        if name in values:
            values[name] = translate(values[name], gettext)
    return gettext(template).format(**values)
