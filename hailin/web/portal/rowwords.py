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

from django.utils.translation import gettext

# One entry per message shape the readers and checks write (the English is the msgid).
TEMPLATES = (
    "{value} is outside {low}..{high}",
    "{value} is negative",
    "{value} km from the nearest site (limit {limit} km); wrong coordinates or CRS?",
    "longitude and latitude look swapped ({value})",
    "read as {encoding} text, delimiter {delimiter}",
    "unknown finding {value} (not understood: {parts}); expected one of {choices}",
    "unknown action {value}; expected one of {choices}",
    "the store is busy with other imports; try again in a minute",
    "identical to an earlier upload ({status}); nothing new stored",
)
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


def translate(message):
    """``message`` in the active language (the portal's, or the workspace's in the CLI).

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
    return gettext(template).format(**values)
