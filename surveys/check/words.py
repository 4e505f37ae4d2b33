"""Codes from the words patrol files use: patrol types looked up whole,
findings and actions read as phrases (:mod:`hailin.surveys.check.phrases`), the
action a row's two columns say together.
"""

import re

import numpy as np
import pandas as pd

from hailin.surveys.check.phrases import PHRASE_VOCABULARIES, Reading, read_text
from hailin.surveys.check.senses import Readings
from hailin.surveys.errors import VocabularyError
from hailin.surveys.schema import PATROL_TYPES


def _value_key(value):
    return re.sub(r"[\s_\-—·.,，。:：()（）]+", "", str(value).strip().lower())


def _build_lookup(vocabulary):
    exact = {}
    phrases = []
    for code, words in vocabulary.items():
        exact[_value_key(code)] = code
        for word in words:
            exact.setdefault(_value_key(word), code)
            if not word.isascii() and len(word) >= 2:
                phrases.append((word, code))
    phrases.sort(key=lambda item: -len(item[0]))
    return exact, phrases


_PATROL_LOOKUP = _build_lookup(PATROL_TYPES)


def _patrol_type(text):
    """A patrol type named whole, or by the longest Chinese name it contains."""
    exact, phrases = _PATROL_LOOKUP
    key = _value_key(text)
    if key in exact:
        return exact[key]
    for phrase, code in phrases:
        if phrase in text:
            return code
    return None


def read_phrase(value, vocabulary: str) -> Reading | None:
    """Read a finding or action phrase as a patrol team means it.

    The phrase is cut into the words of :data:`hailin.surveys.schema.WORDS` (Chinese or English, any
    width, punctuation and spaces free); every part must be a known word, or the
    phrase is refused with the known words listed: nothing is guessed. Negation
    (未, 没有, 无, 不, 尚未, not, no, …) counts wherever it stands, for the term it
    covers. A finding phrase may name an action too:
    复萌已清除 is regrowth removed on the spot, 复萌未清除 regrowth not removed,
    复萌，已上报 regrowth reported; 已拔除 alone is the finding spartina_removed.
    Numbers keep their units (:mod:`hailin.surveys.check.quantities`): a removal
    of part of what was found (复萌3处已处理2处, 已清除90%) is ``partly_removed``
    with the remainder in ``remaining``. Planned or handed-over removal
    (待处理, 计划下周清除, 交由施工单位处理) is ``pending``; removal that could not
    be done (涨潮未能清除) ``removal_blocked``; 清除中 ``in_progress``; 已制止
    ``stopped`` (damage and seedling harvest only). Suspicions (疑似复萌, 有复萌迹象,
    请复查) are the finding ``spartina_suspected``. Traditional characters read
    as simplified.

    A phrase is refused when it names two findings, both says and denies
    something (复萌，未见复萌; 已清除，未清除), names Spartina without saying
    whether it is regrowth or new, or names no finding (or no action). Returns
    None for a blank value, a :class:`Reading` with ``code`` None for a
    placeholder such as "-".

    Examples
    --------
    >>> reading = read_phrase("复萌已清除", "finding")
    >>> reading.code, reading.action, reading.problem
    ('spartina_regrowth', 'removed', None)
    >>> reading = read_phrase("复萌3处，已处理2处", "finding")
    >>> reading.action, reading.remaining
    ('partly_removed', '1处')
    >>> read_phrase("红树林未受破坏", "finding").code, read_phrase("待处理", "action").code
    ('clear', 'pending')
    >>> read_phrase("复萌外星人", "finding").problem[:50]
    "unknown finding '复萌外星人' (not understood: '外星人'); e"
    """
    if vocabulary not in PHRASE_VOCABULARIES:
        raise VocabularyError(f"read_phrase reads findings and actions, not {vocabulary!r}")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return read_text(text, vocabulary) if text else None


def code_for(value, vocabulary):
    """The canonical code for a word in ``vocabulary`` ("patrol_type", "finding",
    "action"), or None when the word is not known (or the phrase is refused,
    see :func:`read_phrase`).

    Examples
    --------
    >>> code_for("复萌", "finding"), code_for("市级专班联合巡护", "patrol_type")
    ('spartina_regrowth', 'city_joint')
    >>> code_for("未见复萌", "finding"), code_for("复萌未清除", "finding")
    ('clear', 'spartina_regrowth')
    >>> code_for("未清除", "action"), code_for("待处理", "action"), code_for("已上报", "action")
    ('none', 'pending', 'reported')
    >>> code_for("柯湾外星人复萌", "finding") is None
    True
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    if vocabulary == "patrol_type":
        return _patrol_type(text)
    return read_text(text, vocabulary).code


def map_vocabulary(series, vocabulary):
    """Vectorised :func:`code_for` over a Series (each distinct value looked up once)."""
    uniques = pd.unique(series.astype("object"))
    mapping = {value: code_for(value, vocabulary) for value in uniques}
    return series.astype("object").map(mapping)


def read_column(series: pd.Series, vocabulary: str) -> pd.DataFrame:
    """:func:`read_phrase` over a Series: a frame of code, action and problem
    (None where blank), on the series' index; each distinct value is read once.

    Examples
    --------
    >>> read_column(pd.Series(["复萌，已上报", None, "UFO"]), "finding")["code"].tolist()
    ['spartina_regrowth', None, None]
    """
    return read_readings(series, vocabulary)[0]


def read_readings(series: pd.Series, vocabulary: str) -> tuple[pd.DataFrame, Readings]:
    """(:func:`read_column`'s frame, the :class:`Readings` of the rows): the
    quantities, remainders and notes of each phrase besides its codes.

    Examples
    --------
    >>> _frame, readings = read_readings(pd.Series(["复萌3处已处理2处", None]), "finding")
    >>> readings.field("remaining").tolist()
    ['1处', None]
    """
    values = series.astype("object")
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    readings = Readings(
        (*(read_phrase(value, vocabulary) or Reading() for value in uniques), Reading()),
        np.where(positions < 0, len(uniques), positions),
    )
    frame = pd.DataFrame(
        {
            field: pd.Series(readings.field(field), index=series.index, dtype=object)
            for field in ("code", "action", "problem")
        }
    )
    return frame, readings


# Actions that say Spartina is still there: beside a removal they contradict it.
_NOT_REMOVED = ("none", "removal_blocked", "pending", "in_progress", "partly_removed")
# When the two columns say different actions that do not contradict, the fuller
# fact is kept: the later in this order.
_FULLER: tuple[str, ...] = ("removal_blocked", "pending", "reported", "stopped", "in_progress")
_FULLER += ("partly_removed", "removed")


def combine_actions(stated, named):
    """The action of each row from the action column (``stated``) and the action
    the finding's words name (``named``), with a mask of the rows where they
    contradict each other.

    A patrol office wants every fact a team wrote down kept, and no removal it
    cannot be sure of: when only one says an action, it is used (a file without
    an action column reads 复萌已清除 as removed); when they agree, or one says
    more than the other (removed and reported: removed; reported and none:
    reported), the fuller fact is kept; when one says removed and the other
    not removed (none, pending, in progress, partly removed …), the row is
    refused with both words, because that decides whether the ledger re-clears
    a case.

    Examples
    --------
    >>> action, clash = combine_actions(
    ...     np.array([None, "reported", "none"], dtype=object),
    ...     np.array(["removed", "removed", "removed"], dtype=object))
    >>> action.tolist(), clash.tolist()
    (['removed', 'removed', None], [False, False, True])
    """
    stated = np.asarray(stated, dtype=object)
    named = np.asarray(named, dtype=object)
    action = np.where(pd.isna(stated), named, stated)
    rank = {code: i for i, code in enumerate(_FULLER)}  # the fullest last: it wins
    stated_rank = pd.Series(stated, dtype=object).map(rank).fillna(-1).to_numpy()
    named_rank = pd.Series(named, dtype=object).map(rank).fillna(-1).to_numpy()
    action = np.where(named_rank > stated_rank, named, action)
    action = np.where(stated_rank > named_rank, stated, action)
    clash = (
        (stated == "removed") & pd.Series(named, dtype=object).isin(_NOT_REMOVED).to_numpy()
    ) | (pd.Series(stated, dtype=object).isin(_NOT_REMOVED).to_numpy() & (named == "removed"))
    return np.where(clash, None, action), clash
