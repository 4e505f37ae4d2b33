"""Every message a user can read has Chinese: each one written in the
library's source (hailin/, geo/, surveys/, layers/, maps/; found with ast by
tests/messages_in_code.py, f-strings as shapes) fits a template of
hailin.translate whose Chinese is in the one catalogue. A new message
without Chinese fails here, named by file and line."""

import re

import pytest

from hailin.translate import CLICK_WORDS, TEMPLATES, catalogue, template_of
from tests.messages_in_code import sites

# Text a call of the scanned kinds carries that is no prose a user reads.
NOT_PROSE = {
    "position",  # fieldsync: the field's name, the JSON key the form gets back
    "points",  # fieldsync: the same for a track's points
}


@pytest.fixture(scope="module")
def found():
    return sites()


def _example(shape):
    """A message of ``shape`` with every slot filled (a value no template has)."""
    values = [f"\u2983{i}\u2984" for i in range(shape.count("{}"))]
    return shape.format(*values)


def test_the_scanner_finds_the_messages_of_every_kind(found):
    assert len(found) > 300
    texts = {site.shape for site in found}
    assert "no such file" in texts  # a file refusal
    assert "{}: no store here" in texts  # an f-string, as its shape
    assert "read as {} text, delimiter {}" in texts  # a note of an import summary
    assert "no finding" in texts  # a row's refusal
    assert "{}: the text is neither UTF-8, UTF-16 nor GBK/GB18030; save it as UTF-8" in texts


def test_every_message_in_the_code_has_chinese(found):
    zh = catalogue("zh")
    missing = []
    for site in found:
        if site.shape in NOT_PROSE:
            continue
        if site.shape is None:
            missing.append(f"{site}: built so that no template can fit; give it a shape")
            continue
        template, _values = template_of(_example(site.shape))
        if template is None:
            missing.append(f"{site}: no template in hailin.translate fits")
        elif zh.gettext(template) == template:
            missing.append(f"{site}: its template has no Chinese in the catalogue")
    assert missing == [], "\n".join(missing)


def test_no_template_is_so_bare_that_any_message_fits_it():
    """A template of slots and a word or two ("{what} is {size}") would pass
    any message as translated: each has at least seven characters of its own."""
    own = {t: re.sub(r"\{\w+\}", "", t).strip() for t in TEMPLATES + CLICK_WORDS if "{" in t}
    bare = [t for t, words in own.items() if len(words) < 7]
    assert bare == []


def test_a_message_in_the_code_reads_in_chinese_with_its_values():
    from hailin.translate import translate

    message = "archive member 'a/b.shp' is encrypted; upload it unencrypted"
    assert translate(message, "zh") == "压缩包成员 'a/b.shp' 已加密；请上传未加密的文件"
    limit = "the text, as UTF-8, is 66.8 MiB (limit 64 MiB)"
    assert translate(limit, "zh") == "文字按 UTF-8 计为 66.8 MiB（上限 64 MiB）"
    nested = "kewan.toml: unknown setting 'targets.x'; did you mean 'by_site'? (known: a, b)"
    assert translate(nested, "zh") == (
        "kewan.toml：未知的设置项 'targets.x'；是否想写 'by_site'？（已知的设置项：a, b）"
    )
