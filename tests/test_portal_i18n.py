"""The portal speaks Chinese: every message has its translation, and the compiled
catalog the server reads says the same as the one people edit."""

import gettext
import pathlib

import polib

LOCALE = (
    pathlib.Path(__file__).resolve().parent.parent
    / "hailin" / "web" / "portal" / "locale" / "zh_Hans" / "LC_MESSAGES"
)  # fmt: skip


def test_every_message_is_translated_and_compiled():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert [e.msgid for e in po.untranslated_entries()] == []
    assert [e.msgid for e in po.fuzzy_entries()] == []
    with open(LOCALE / "django.mo", "rb") as handle:
        catalog = gettext.GNUTranslations(handle)
    for entry in po:
        if entry.msgid_plural:
            assert catalog.ngettext(entry.msgid, entry.msgid_plural, 2) == entry.msgstr_plural[0]
        else:
            assert catalog.gettext(entry.msgid) == entry.msgstr, entry.msgid
    assert len(po) > 140
