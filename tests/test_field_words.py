"""Every word a patrol member reads about a file is Chinese: each message the
import writes for the bad-file corpus fits a message shape of
hailin.translate, each shape has its Chinese in the portal's one
catalogue with the same slots, and the error report's header is Chinese.
A new message without Chinese fails here."""

import gettext
import pathlib
import re

import pytest

from hailin.surveys import Workspace
from hailin.translate import CLI_WORDS, NESTED, TEMPLATES, template_of, translate
from tests.conftest import DATA

LOCALE = pathlib.Path(__file__).resolve().parent.parent / "hailin" / "web" / "portal" / "locale"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def catalogue():
    with open(LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.mo", "rb") as handle:
        return gettext.GNUTranslations(handle)


@pytest.fixture(scope="module")
def corpus_messages(tmp_path_factory):
    ws = Workspace.create(tmp_path_factory.mktemp("words") / "ws")
    messages = set()
    for path in sorted((DATA / "bad").iterdir()):
        summary = ws.import_file(path, dry_run=True)
        messages.update(n["message"] for n in summary.errors + summary.warnings)
    return sorted(messages)


def test_every_message_shape_has_chinese_with_the_same_slots(catalogue):
    for template in TEMPLATES + CLI_WORDS:
        chinese = catalogue.gettext(template)
        assert chinese != template, template
        # "{file}: {message}" differs in its full-width colon only
        assert CHINESE.search(chinese) or chinese == template.replace(": ", "："), template
        slots = sorted(re.findall(r"\{(\w+)\}", template))
        assert sorted(re.findall(r"\{(\w+)\}", chinese)) == slots, template


def test_every_message_about_a_bad_file_has_chinese(corpus_messages):
    assert len(corpus_messages) > 30
    missing = [m for m in corpus_messages if template_of(m)[0] is None]
    assert missing == []


def test_a_message_reads_in_chinese_with_its_values(corpus_messages, catalogue):
    found = next(m for m in corpus_messages if m.startswith("missing required column(s): 时间"))
    assert "words" in NESTED  # the list of columns is a message shape of its own
    assert translate(found, "zh") == (
        "缺少必需的列：时间 或 日期（日期时间）；没有时间的文件请指定巡查日期（--observed-on）；"
        "文件中的列：经度, 纬度, 巡查类型, 发现"
    )
    assert translate("a message hailin never wrote", "zh") == ("a message hailin never wrote")
