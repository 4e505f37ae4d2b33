"""What hailin says about a row or a file, in the reader's language: one
mechanism for the command line and the portal.

The readers and checks write their messages in English, with the values
filled in. Each message shape is listed here once as a template with named
slots ("{value} is outside {low}..{high}"), grouped by area in
:mod:`hailin.messages`; its Chinese is in the one gettext
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

from hailin.messages import CLI_WORDS, CLICK_WORDS, NESTED, TEMPLATES

__all__ = [
    "CLICK_WORDS",
    "CLI_WORDS",
    "NESTED",
    "TEMPLATES",
    "catalogue",
    "say",
    "template_of",
    "translate",
]

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
