"""The canonical survey record and plots: their columns, kinds and vocabularies.

:data:`VOCABULARY` is the one table of hailin's words: every code with its
Chinese and English display words, its colour and legend order, and the words
patrol files name it by (the table itself is data, surveys/data/vocabulary.toml,
loaded and checked here). Everything that shows a code in words asks
:func:`word`.
"""

import dataclasses
import functools
import tomllib
from importlib import resources

from hailin.surveys.errors import VocabularyError

VOCABULARY_FILE = "data/vocabulary.toml"

COLUMNS = [
    "record_id",
    "record_key",
    "upload_id",
    "source_row",
    "observed_at",
    "patrol_type",
    "team",
    "observer",
    "finding",
    "cover_pct",
    "patch_area_m2",
    "survival_pct",
    "action",
    "notes",
    "extra",
    "geometry",
]

# Store kinds of the columns (see surveys.store.SQL_TYPES).
KINDS = {
    "record_id": "text",
    "record_key": "integer",
    "upload_id": "text",
    "source_row": "integer",
    "observed_at": "datetime",
    "patrol_type": "text",
    "team": "text",
    "observer": "text",
    "finding": "text",
    "cover_pct": "real",
    "patch_area_m2": "real",
    "survival_pct": "real",
    "action": "text",
    "notes": "text",
    "extra": "text",
}


# -- the vocabulary ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Term:
    """One code of a vocabulary: the words it is shown with, its colour on maps,
    and the words read for it in patrol files.

    ``zh`` and ``en`` are the display words (None for the reader's own word
    roles, never shown); ``reads_zh`` and ``reads_en`` the words the readers
    take for it, the first of each named in messages (see :func:`allowed_words`).
    """

    vocabulary: str
    code: str
    zh: str | None = None
    en: str | None = None
    colour: str | None = None
    reads_zh: tuple[str, ...] = ()
    reads_en: tuple[str, ...] = ()
    count_en: tuple[str, ...] = ()


def _load_vocabulary():
    """The terms of surveys/data/vocabulary.toml, checked: each code once per
    vocabulary, words as text, shown codes with both display words."""
    data = tomllib.loads(
        resources.files("hailin.surveys").joinpath(VOCABULARY_FILE).read_text("utf-8")
    )
    terms = []
    for vocabulary, entries in data.items():
        for entry in entries:
            term = Term(
                vocabulary,
                entry["code"],
                entry.get("zh"),
                entry.get("en"),
                entry.get("colour"),
                tuple(entry.get("reads_zh", ())),
                tuple(entry.get("reads_en", ())),
                tuple(entry.get("count_en", ())),
            )
            words = (*term.reads_zh, *term.reads_en)
            counts = term.count_en
            if counts and (len(counts) != 2 or not all(isinstance(w, str) for w in counts)):
                raise VocabularyError(f"{VOCABULARY_FILE}: {vocabulary} {term.code}: count_en")
            if (term.zh is None) != (term.en is None) or not all(isinstance(w, str) for w in words):
                raise VocabularyError(f"{VOCABULARY_FILE}: {vocabulary} {term.code}: bad words")
            terms.append(term)
    keys = [(term.vocabulary, term.code) for term in terms]
    if len(set(keys)) != len(keys):
        raise VocabularyError(f"{VOCABULARY_FILE}: a code appears twice")
    return tuple(terms)


# THE table of hailin's words: every code of every vocabulary with its Chinese and
# English display words and colour, in legend order, and the words read for it
# (kept as data in surveys/data/vocabulary.toml, where it is described).
VOCABULARY = _load_vocabulary()

# The words read, by row: (vocabulary, code, Chinese words, English words).
WORDS = tuple(
    (term.vocabulary, term.code, term.reads_zh, term.reads_en)
    for term in VOCABULARY
    if term.reads_zh or term.reads_en
)
_DISPLAYED = {(term.vocabulary, term.code): term for term in VOCABULARY if term.zh}


def _vocabulary(name):
    return {code: (*zh, *en) for vocabulary, code, zh, en in WORDS if vocabulary == name}


# Code -> its words, by vocabulary (views of WORDS).
PATROL_TYPES = _vocabulary("patrol_type")
FINDINGS = _vocabulary("finding")
ACTIONS = _vocabulary("action")

# -- plots -------------------------------------------------------------------------------
PLOT_KINDS = ("clearance", "restoration")
DATE_COLUMN = {"clearance": "cleared_on", "restoration": "planted_on"}

# Store kinds of the plot layers' columns: the same frame around each kind's own fields.
_OWN_FIELDS = {
    "clearance": {"cleared_on": "date", "method": "text", "contractor": "text"},
    "restoration": {"planted_on": "date", "species": "text", "funding": "text"},
}
PLOT_COLUMNS = {
    kind: {
        "plot_id": "text",
        "site": "text",
        "township": "text",
        **own,
        "declared_area_mu": "real",
        "area_mu": "real",
        "area_ha": "real",
        "notes": "text",
        "extra": "text",
        "upload_id": "text",
        "source_row": "integer",
    }
    for kind, own in _OWN_FIELDS.items()
}
# What each kind of plot holds besides its place, date and area.
TEXT_FIELDS = {"clearance": ("method", "contractor"), "restoration": ("species", "funding")}


@functools.cache
def allowed_words(vocabulary):
    """The codes of a vocabulary with their Chinese and English names, for messages.

    Examples
    --------
    >>> allowed_words("action")[:33]
    'removed (清除, removed), reported ('
    """
    names = ", ".join(f"{code} ({zh[0]}, {en[0]})" for v, code, zh, en in WORDS if v == vocabulary)
    if vocabulary == "finding":
        names += "; negated with 未, 没有, 无, 不, not, no; an action may follow (复萌已清除)"
    return names


def word(vocabulary: str, code, lang: str) -> str:
    """A code in words, in ``lang`` ("zh" or "en"); a code the vocabulary does
    not have (or None) comes back as it is.

    Examples
    --------
    >>> word("status", "re_cleared", "zh"), word("patrol_type", "city_joint", "en")
    ('已再次清除', 'city joint patrol')
    >>> word("finding", "something_else", "en")
    'something_else'
    """
    if lang not in ("zh", "en"):
        raise VocabularyError(f"lang should be 'zh' or 'en', got {lang!r}")
    term = _DISPLAYED.get((vocabulary, code))
    if term is None:
        return code
    return term.zh if lang == "zh" else term.en


def counted(vocabulary: str, code: str, n: int, lang: str) -> str:
    """``n`` things of a code, in ``lang``: English agrees in number (the
    vocabulary's ``count_en``: singular, plural); Chinese puts the number after.

    Examples
    --------
    >>> counted("case_kind", "new_infestation", 1, "en")
    '1 new patch'
    >>> counted("case_kind", "recurrence", 14, "en"), counted("case_kind", "recurrence", 14, "zh")
    ('14 recurrence cases', '复萌 14')
    """
    shown = word(vocabulary, code, lang)
    if lang == "zh":
        return f"{shown} {n}"
    term = _DISPLAYED.get((vocabulary, code))
    if term is not None and term.count_en:
        singular, plural = term.count_en
        shown = singular if n == 1 else plural
    return f"{n} {shown}"


def codes(vocabulary: str) -> tuple[str, ...]:
    """The codes of a vocabulary, in legend order.

    Examples
    --------
    >>> codes("status")
    ('clean', 'open', 're_cleared', 'verified_clear')
    """
    found = tuple(term.code for term in VOCABULARY if term.vocabulary == vocabulary)
    if not found:
        raise VocabularyError(f"no vocabulary {vocabulary!r}")
    return found


def colours(vocabulary: str) -> dict[str, str]:
    """{code: colour} of a vocabulary's coloured codes, in legend order.

    Examples
    --------
    >>> colours("status")["open"]
    '#c73c00'
    """
    return {
        term.code: term.colour
        for term in VOCABULARY
        if term.vocabulary == vocabulary and term.colour
    }
