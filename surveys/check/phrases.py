"""Reading a finding or action phrase: cut into the words of the vocabulary,
every part a known word, negation counted wherever it stands.

:func:`read_text` is the reader; :mod:`hailin.surveys.check.words` applies it to
values and columns.
"""

import dataclasses
import functools
import re
import unicodedata

from hailin.surveys.errors import VocabularyError
from hailin.surveys.schema import WORDS, allowed_words

_MAX_PHRASE = 100  # characters; longer text is a note, not a finding
_NEGATABLE = ("spartina_regrowth", "spartina_new", "mangrove_damage", "seedling_harvest")
_SPARTINA = ("spartina_regrowth", "spartina_new")
# Rows of WORDS that name phrases read from their parts, not words of their own.
_READ_FROM_PARTS = {("finding", "spartina_removed"), ("action", "none")}
_PLACEHOLDER = re.compile(r"[\s\-—–_/\\.·…*×]+")
_NUMERALS = "零一二两三四五六七八九十百千"
_NUMBER = (
    rf"(?:\d+(?:\.\d+)?|[{_NUMERALS}]+)\s*"
    r"(?:平方米|平米|公顷|亩|株|丛|处|个|块|片|米|%|(?:m2|sqm|cm|m|ha)(?![a-z]))?"
)
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
_STARTS = "".join(sorted({word[0] for word in _CHINESE} | set(_NUMERALS)))
# One token per match, tried in this order; "odd" is a character that starts a
# word it does not complete, "other" a run of characters that start none.
_TOKEN = re.compile(
    "|".join(
        (
            f"(?P<brk>[{_BREAKS}]+)",
            f"(?P<gap>[{_GAPS}]+)",
            r"(?P<latin>[a-z]+(?:[ \t\-_]+[a-z]+)*)",
            f"(?P<zh>{_longest_first(_CHINESE)})",
            f"(?P<num>{_NUMBER})",
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


class _Refused(Exception):
    """A phrase that cannot be read as one finding or action (the reason)."""


@dataclasses.dataclass(frozen=True)
class Reading:
    """What a finding or action phrase says: its ``code``; for a finding, the
    ``action`` its words name too (or None); or the ``problem`` that refuses it."""

    code: str | None = None
    action: str | None = None
    problem: str | None = None


def _scan(text):
    """(clauses, unknown): the phrase cut into known words, each clause a list of
    (role, code, word) with fillers and quantities left out; unknown holds the
    parts that are no known word."""
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
        elif kind == "zh":
            sense = _CHINESE[token]
            if sense[0] != "filler":
                clause.append((*sense, token))
        elif kind == "latin":
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
    if clause:
        clauses.append(clause)
    return clauses, unknown


def _terms(clause):
    """The terms of one clause, each with the negation that covers it:
    [role, code, word, (negation role, word[, "after"]) or None].

    A negation covers the next term (未见复萌), through a list of terms (未见复萌及新发)
    and through Spartina named before its finding (未发现互花米草复萌); with no term
    after it in the clause it covers the term before (清除未完成, removal pending);
    alone it is a term of its own ("nothing" or "pending").
    """
    terms, waiting, previous = [], None, None
    for index, (role, code, word) in enumerate(clause):
        if role in ("not", "pending"):
            if waiting is not None:
                raise _Refused(f"negates twice ('{_joined(waiting[1], word)}')")
            waiting = (role, word)
        elif role == "and":
            waiting = waiting or previous
        elif role == "also":
            if waiting is not None:
                raise _Refused(f"negates nothing ('{_joined(waiting[1], word)}')")
            previous = None
        else:
            terms.append([role, code, word, waiting])
            following = clause[index + 1][0] if index + 1 < len(clause) else None
            if role == "spartina" and following in ("finding", "anomaly"):
                continue
            previous, waiting = waiting, None
    if waiting is not None:
        if terms and terms[-1][3] is None:
            terms[-1][3] = (*waiting, "after")
        elif terms:
            shown = _joined(_shown(*terms[-1][2:]), waiting[1])
            raise _Refused(f"negates twice ('{shown}')")
        else:
            terms.append(["nothing" if waiting[0] == "not" else "pending", None, waiting[1], None])
    return terms


def _name(code, word):
    return f"{code} ({word})"


def _joined(first, second):
    space = " " if first[-1].isascii() or second[0].isascii() else ""
    return f"{first}{space}{second}"


def _shown(word, negation):
    """A term as the phrase had it: '未见复萌', 'not removed', 'removal pending'."""
    if negation is None:
        return word
    return _joined(word, negation[1]) if negation[2:] else _joined(negation[1], word)


def _meaning(terms, vocabulary):
    """(code, action) that the terms of a phrase say together, or _Refused."""
    named, ruled_out, said, denied = {}, {}, {}, {}
    clear, vague, nothing = None, None, None
    for role, code, word, negation in terms:
        shown = _shown(word, negation)
        if negation and negation[0] == "pending" and role != "action":
            raise _Refused(f"says '{shown}', but {negation[1]} (pending) goes with an action")
        if role == "finding" and negation is None:
            if code == "clear":
                clear = clear or word
            else:
                named.setdefault(code, word)
        elif role == "finding":
            if code not in _NEGATABLE:
                raise _Refused(f"says '{shown}', but {code} cannot be negated")
            ruled_out.setdefault(code, shown)
        elif role == "action":
            (denied if negation else said).setdefault(code, shown)
        elif role == "spartina" and negation:
            for spartina in _SPARTINA:
                ruled_out.setdefault(spartina, shown)
        elif role == "anomaly" and negation:
            clear = clear or shown
        elif role in ("spartina", "anomaly"):
            vague = vague or (role, word)
        elif role == "nothing":
            nothing = word
        else:  # pending alone
            denied.setdefault("removed", word)
    for code in said.keys() & denied.keys():
        raise _Refused(f"says both {code} ('{said[code]}') and not ('{denied[code]}')")
    action = next((c for c in ("removed", "reported") if c in said), "none" if denied else None)
    if vocabulary == "action":
        if named or ruled_out or clear or vague:
            raise _Refused("names a finding, not an action")
        if nothing is not None and said:
            raise _Refused(f"says both '{nothing}' and {action} ('{said[action]}')")
        if action is None and nothing is None:
            raise _Refused("names no action")
        return action or "none", None
    if len(named) > 1:
        found = " and ".join(_name(c, w) for c, w in named.items())
        raise _Refused(f"names two findings, {found}; a row holds one")
    for code in named.keys() & ruled_out.keys():
        raise _Refused(f"says both {code} ('{named[code]}') and not ('{ruled_out[code]}')")
    negative = clear or nothing or next(iter(ruled_out.values()), None)
    if named and (clear or nothing):
        code, word = next(iter(named.items()))
        raise _Refused(f"says both {_name(code, word)} and clear ('{clear or nothing}')")
    if named:
        return next(iter(named)), action
    if "removed" in said:
        if negative:
            raise _Refused(f"says both clear ('{negative}') and removed ('{said['removed']}')")
        return "spartina_removed", action
    if negative:
        return "clear", action
    if vague and vague[0] == "spartina":
        raise _Refused(f"does not say whether '{vague[1]}' is regrowth (复萌) or new (新发)")
    if vague:
        raise _Refused(f"does not say what '{vague[1]}' was")
    raise _Refused("names no finding")


@functools.lru_cache(maxsize=4096)
def read_text(text: str, vocabulary: str) -> Reading:
    """What the stripped, non-blank ``text`` says as a finding or action; see
    :func:`hailin.surveys.check.words.read_phrase`.

    Examples
    --------
    >>> read_text("未见复萌", "finding")
    Reading(code='clear', action=None, problem=None)
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
    normal = unicodedata.normalize("NFKC", text).lower()
    clauses, unknown = _scan(normal)
    if unknown:
        parts = ", ".join(repr(part) for part in dict.fromkeys(unknown))
        why = "" if unknown == [normal] else f" (not understood: {parts})"
        return _refused(text, vocabulary, f"{why}; expected one of", unknown=True)
    if not clauses and not re.search(r"\w", normal):
        return Reading()  # punctuation only: a blank
    try:
        if not clauses:  # only words that add nothing (已, 现场, 约3平方米)
            raise _Refused(f"names no {vocabulary}")
        code, action = _meaning([t for clause in clauses for t in _terms(clause)], vocabulary)
    except _Refused as refusal:
        reason = str(refusal)
        listed = "; expected one of" if reason.startswith("names no") else ""
        return _refused(text, vocabulary, f" {reason}{listed}")
    return Reading(code, action)


def _refused(text, vocabulary, reason, unknown=False):
    """A refusal naming the phrase; a reason ending "expected one of" gets the words."""
    label = vocabulary.replace("_", " ")
    problem = f"{'unknown ' if unknown else ''}{label} {text[:60]!r}{reason}"
    if problem.endswith("expected one of"):
        problem += f" {allowed_words(vocabulary)}"
    return Reading(problem=problem)
