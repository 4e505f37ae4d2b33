"""Reading a finding or action phrase: cut into the words of the vocabulary,
every part a known word, negation counted wherever it stands.

:func:`read_text` is the reader; :mod:`hailin.surveys.check.words` applies it to
values and columns.
"""

import functools
import re
import unicodedata

from hailin.surveys.check.quantities import NUMERALS, QUANTITY, read_quantity
from hailin.surveys.check.senses import Reading, Refused, joined, meaning, shown
from hailin.surveys.errors import VocabularyError
from hailin.surveys.schema import WORDS, allowed_words

_MAX_PHRASE = 100  # characters; longer text is a note, not a finding
# Rows of WORDS that name phrases read from their parts, not words of their own.
_READ_FROM_PARTS = {
    ("finding", "spartina_removed"),
    ("action", "none"),
    ("action", "pending"),
    ("action", "removal_blocked"),
}
_PLACEHOLDER = re.compile(r"[\s\-—–_/\\.·…*×]+")
# Clause breaks end a negation's reach; gaps (spaces, soft separators) only part
# words. A colon is a gap: in "复萌：无" the 无 answers the 复萌.
_BREAKS = r",;.!?()\[\]{}<>。！？【】《》「」『』〈〉|/\\\n\r"
_GAPS = r"\t\f\v \xa0\u2000-\u200b\u3000\-_~·*#…'\"“”‘’—–=:"


def _reader_words():
    """{Chinese word: sense}, {English word tuple: sense}; a sense is (role, code)."""
    chinese, english = {}, {}
    for vocabulary, code, zh, en in WORDS:
        if vocabulary == "patrol_type" or (vocabulary, code) in _READ_FROM_PARTS:
            continue
        sense = (code, None) if vocabulary == "word" else (vocabulary, code)
        for table, key in [(chinese, w) for w in zh] + [(english, tuple(w.split())) for w in en]:
            if key in table:
                raise VocabularyError(f"{key!r} has two meanings in WORDS")
            table[key] = sense
    return chinese, english


def _longest_first(words):
    """A regular expression matching the longest of ``words`` at a position (a
    trie: each optional tail is tried before the word it extends)."""
    trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node):
        tails = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not tails:
            return ""
        either = "(?:" + "|".join(tails) + ")"
        return either + "?" if "" in node else either

    return pattern(trie)


_CHINESE, _ENGLISH = _reader_words()
_STARTS = "".join(sorted({word[0] for word in _CHINESE} | set(NUMERALS)))
# One token per match, tried in this order; "odd" is a character that starts a
# word it does not complete, "other" a run of characters that start none.
_TOKEN = re.compile(
    "|".join(
        (
            f"(?P<brk>[{_BREAKS}]+)",
            f"(?P<gap>[{_GAPS}]+)",
            r"(?P<latin>[a-z]+(?:[ \t\-_]+[a-z]+)*)",
            f"(?P<zh>{_longest_first(_CHINESE)})",
            f"(?P<num>{QUANTITY})",
            f"(?P<other>[^{_BREAKS}{_GAPS}\\sa-z0-9{re.escape(_STARTS)}]+)",
            "(?P<odd>.)",
        )
    ),
    re.DOTALL,
)
# The vocabularies read as phrases (patrol types are looked up whole).
PHRASE_VOCABULARIES = ("finding", "action")
_CODE_KEYS = {
    vocabulary: {code.replace("_", ""): code for v, code, _zh, _en in WORDS if v == vocabulary}
    for vocabulary in PHRASE_VOCABULARIES
}


_DETAILS = ("who", "when", "reason")
_MODES = ("not", "unable", "pending", "ongoing")


def _scan(text):
    """(clauses, unknown): the phrase cut into known words, each clause a list of
    (role, code, word) with fillers left out and quantities as ("qty",
    Quantity, text); unknown holds the parts that are no known word."""
    clauses, clause, unknown = [], [], []
    stray_end = None  # where the last unknown part ended, to join adjacent ones
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind in ("other", "odd"):
            if stray_end == match.start():
                unknown[-1] += token
            else:
                unknown.append(token)
            stray_end = match.end()
        elif kind == "brk" and clause:
            clauses.append(clause)
            clause = []
        elif kind == "num":
            clause.append(("qty", read_quantity(token), token))
        elif kind == "zh":
            sense = _CHINESE[token]
            if sense[0] != "filler":
                clause.append((*sense, token))
        elif kind == "latin":
            _scan_latin(token, clause, unknown)
    if clause:
        clauses.append(clause)
    return clauses, unknown


def _scan_latin(token, clause, unknown):
    """English words, up to three at a time, into ``clause`` (or ``unknown``)."""
    words = re.split(r"[ \t\-_]+", token)
    start = 0
    while start < len(words):
        size, sense = next(
            (
                (size, _ENGLISH[key])
                for size in range(min(3, len(words) - start), 0, -1)
                if (key := tuple(words[start : start + size])) in _ENGLISH
            ),
            (1, None),
        )
        if sense is None:
            unknown.append(words[start])
        elif sense[0] != "filler":
            clause.append((*sense, " ".join(words[start : start + size])))
        start += size


def _negated_sign(waiting, terms):
    """Whether a suspicion word is a negated sign: 'no signs of regrowth'
    (a negation waiting), 无复萌迹象 (right after a negated finding)."""
    if waiting is not None:
        return waiting[0] == "not"
    return bool(terms) and terms[-1][3] is not None and terms[-1][0] == "finding"


def _terms(clause, details):
    """The terms of one clause, each with the negation that covers it and the
    quantities that go with it: [role, code, word, (negation role, word[,
    "after"]) or None, [Quantity, …]]; who, when and why words go to ``details``.

    A negation covers the next term (未见复萌), through a list of terms (未见复萌及新发)
    and through Spartina named before its finding (未发现互花米草复萌); with no term
    after it in the clause it covers the term before (清除未完成, removal pending);
    alone it is a term of its own ("nothing", "pending" or "ongoing"). Pending
    words in a row are one (拟安排清除). A quantity goes with the term before it
    in its clause (复萌3处, 已清除2处, 盖度10%), else with the next (3处复萌).
    """
    terms, waiting, previous, loose = [], None, None, []
    for index, (role, code, word) in enumerate(clause):
        if role == "qty":
            if terms:
                terms[-1][4].append(code)
            else:
                loose.append(code)
        elif role in _DETAILS and role != "when":
            details.append((role, word))
        elif role in _MODES or role == "when":
            if role == "when":  # a removal planned for a later day is pending
                details.append((role, word))
                role = "pending"
            if waiting is not None and waiting[0] == "pending" == role:
                waiting = (role, waiting[1] + word)
                continue
            if waiting is not None and waiting[0] in ("not", "unable") and role == "pending":
                continue  # 尚未安排: not yet, nothing planned
            if waiting is not None:
                raise Refused(f"negates twice ('{joined(waiting[1], word)}')")
            waiting = (role, word)
        elif role == "and":
            waiting = waiting or previous
        elif role == "also":
            if waiting is not None:
                raise Refused(f"negates nothing ('{joined(waiting[1], word)}')")
            previous = None
        elif code == "spartina_suspected" and _negated_sign(waiting, terms):
            if waiting is None:
                terms.append([role, code, word, terms[-1][3], []])
        else:
            terms.append([role, code, word, waiting, loose])
            loose = []
            following = clause[index + 1][0] if index + 1 < len(clause) else None
            if role == "spartina" and following in ("finding", "anomaly"):
                continue
            previous, waiting = waiting, None
    if waiting is not None:
        if terms and terms[-1][3] is None:
            terms[-1][3] = (*waiting, "after")
        elif terms:
            shown_term = joined(shown(*terms[-1][2:4]), waiting[1])
            raise Refused(f"negates twice ('{shown_term}')")
        else:
            alone = "nothing" if waiting[0] == "not" else waiting[0]
            terms.append([alone, None, waiting[1], None, loose])
    return terms


@functools.lru_cache(maxsize=4096)
def read_text(text: str, vocabulary: str) -> Reading:
    """What the stripped, non-blank ``text`` says as a finding or action; see
    :func:`hailin.surveys.check.words.read_phrase`.

    Examples
    --------
    >>> read_text("未見復萌", "finding").code, read_text("复萌3处已处理2处", "finding").remaining
    ('clear', '1处')
    """
    if len(text) > _MAX_PHRASE:
        return _refused(
            text,
            vocabulary,
            f"… is {len(text)} characters long (at most {_MAX_PHRASE}); "
            "put free text in the notes (备注)",
        )
    if text.isascii():
        code = _CODE_KEYS[vocabulary].get(re.sub(r"[\s_\-]+", "", text.lower()))
        if code is not None:
            return Reading(code, "removed" if code == "spartina_removed" else None)
    if _PLACEHOLDER.fullmatch(text):
        return Reading()
    # Traditional characters read as simplified (OpenCC's own tables).
    normal = _simplified()(unicodedata.normalize("NFKC", text)).lower()
    clauses, unknown = _scan(normal)
    if unknown:
        parts = ", ".join(repr(part) for part in dict.fromkeys(unknown))
        why = "" if unknown == [normal] else f" (not understood: {parts})"
        return _refused(text, vocabulary, f"{why}; expected one of", unknown=True)
    if not clauses and not re.search(r"\w", normal):
        return Reading()  # punctuation only: a blank
    try:
        details: list[tuple[str, str]] = []
        terms = [term for clause in clauses for term in _terms(clause, details)]
        return meaning(terms, details, vocabulary)
    except Refused as refusal:
        reason = str(refusal)
        listed = "; expected one of" if reason.startswith("names no") else ""
        return _refused(text, vocabulary, f" {reason}{listed}")


@functools.cache
def _simplified():
    """OpenCC's traditional-to-simplified conversion (its tables ship in the wheel)."""
    import opencc

    return opencc.OpenCC("t2s").convert


def _refused(text, vocabulary, reason, unknown=False):
    """A refusal naming the phrase; a reason ending "expected one of" gets the words."""
    label = vocabulary.replace("_", " ")
    problem = f"{'unknown ' if unknown else ''}{label} {text[:60]!r}{reason}"
    if problem.endswith("expected one of"):
        problem += f" {allowed_words(vocabulary)}"
    return Reading(problem=problem)
