"""Numbers with units as patrols write them (3处, 约3平方米, 2亩, 90%, 2 of 3
clumps, 制止100多名): read once here for the phrase reader and for the
measurement columns, so that a unit is converted, never stripped.

Areas come back in m² (亩 and 公顷 converted), percentages in %, counts as
written (处, 株, 丛 …), people (人, 名) apart from other counts.
"""

import dataclasses
import re
import unicodedata

import numpy as np
import pandas as pd

from hailin.geo.units import M2_PER_HA, M2_PER_MU
from hailin.surveys.errors import QuantityError

# Unit word (lower case, after NFKC: ㎡ is m2, ％ is %) -> (kind, factor to the kind's unit).
_UNITS = {
    **dict.fromkeys(
        ("平方米", "平米", "平方", "m2", "sqm", "sq m", "square metres"), ("area", 1.0)
    ),
    **dict.fromkeys(("square meters", "square metre", "square meter"), ("area", 1.0)),
    **dict.fromkeys(("亩", "mu"), ("area", M2_PER_MU)),
    **dict.fromkeys(("公顷", "ha", "hectare", "hectares"), ("area", M2_PER_HA)),
    **dict.fromkeys(("%", "percent", "per cent"), ("percent", 1.0)),
    **dict.fromkeys(("人次", "人", "名", "位", "people", "persons"), ("people", 1.0)),
    **dict.fromkeys(("米", "m", "厘米", "cm"), ("length", 1.0)),
    **dict.fromkeys(
        (
            "处",
            "个",
            "株",
            "丛",
            "块",
            "片",
            "簇",
            "棵",
            "墩",
            "斑块",
            "clumps",
            "clump",
            "patches",
        ),
        ("count", 1.0),
    ),
    **dict.fromkeys(("patch", "plants", "plant", "spots", "spot", "tufts"), ("count", 1.0)),
}
# The unit a remainder of each kind is written in (counts keep the unit found).
_SHOWN = {"area": "平方米", "percent": "%", "people": "人", "length": "米"}
NUMERALS = "零〇一二两三四五六七八九十百千"
_DIGIT = r"\d+(?:\.\d+)?"
_AMOUNT = rf"(?:{_DIGIT}|[{NUMERALS}]+)"
# Latin units end at a word's end (3 m2, 3 ha, not 3 hands).
_UNIT = "(?:{})".format(
    "|".join(
        re.escape(u) + ("(?![a-z])" if u[-1].isascii() and u[-1].isalnum() else "")
        for u in sorted(_UNITS, key=len, reverse=True)
    )
)
_ABOUT = "(?:多|余|来)"
# A quantity as the phrase reader's tokeniser matches it: 百分之九十, 一半, 2 of 3 clumps,
# 2/3处, 100多名, 约 left to the words.
QUANTITY = rf"百分之{_AMOUNT}|一半|{_AMOUNT}(?:\s*(?:of|/)\s*{_AMOUNT})?\s*{_ABOUT}?\s*{_UNIT}?"
_PARTS = re.compile(
    rf"(?P<part>{_AMOUNT})(?:\s*(?:of|/)\s*(?P<total>{_AMOUNT}))?\s*{_ABOUT}?\s*(?P<unit>{_UNIT})?"
)


@dataclasses.dataclass(frozen=True)
class Quantity:
    """A number read with its unit: ``value`` in the kind's unit (m² for
    areas), ``kind`` (area, percent, count, people, length), the ``unit`` as
    written, and the ``total`` of "2 of 3" (None otherwise)."""

    value: float
    kind: str
    unit: str = ""
    total: float | None = None
    text: str = ""

    def shown(self, value=None) -> str:
        """``value`` (default: this quantity's) in words: 1平方米, 10%, 1处."""
        amount = self.value if value is None else value
        unit = self.unit if self.kind == "count" else _SHOWN.get(self.kind, self.unit)
        return (
            f"{amount:g} {unit}" if unit[:1].isalpha() and unit.isascii() else f"{amount:g}{unit}"
        )


def _chinese_number(text):
    """一 .. 九千九百九十九 (两 for 二, 〇 and 零 as zero); digits pass through."""
    if re.fullmatch(_DIGIT, text):
        return float(text)
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2, "〇": 0}
    total, current = 0, 0
    for char in text:
        if char in digits:
            current = digits[char]
        else:
            unit = {"十": 10, "百": 100, "千": 1000}[char]
            total += (current or 1) * unit
            current = 0
    return float(total + current)


def read_quantity(text: str) -> Quantity | None:
    """The quantity a token of :data:`QUANTITY` says (lower case, NFKC), or None.

    Examples
    --------
    >>> read_quantity("2亩").value, read_quantity("3处").kind, read_quantity("一半").value
    (1333.3333333333333, 'count', 50.0)
    >>> q = read_quantity("2 of 3 clumps"); (q.value, q.total, q.unit)
    (2.0, 3.0, 'clumps')
    """
    text = text.strip()
    if text == "一半":
        return Quantity(50.0, "percent", "%", text=text)
    if text.startswith("百分之"):
        return Quantity(_chinese_number(text[3:]), "percent", "%", text=text)
    match = _PARTS.fullmatch(text)
    if match is None:
        return None
    unit = match["unit"] or ""
    kind, factor = _UNITS.get(unit, ("count", 1.0))
    total = match["total"]
    return Quantity(
        _chinese_number(match["part"]) * factor,
        kind,
        unit,
        None if total is None else _chinese_number(total) * factor,
        text,
    )


def settle(found: Quantity | None, done: Quantity | None) -> tuple[bool, str | None]:
    """(all removed?, the remainder in words) of a removal of ``done`` out of
    what was ``found``; a removal with no quantity, or nothing to compare it
    with, removed everything. Raises ValueError when the two cannot be compared.

    Examples
    --------
    >>> settle(read_quantity("3处"), read_quantity("2处"))
    (False, '1处')
    >>> settle(None, read_quantity("90%")), settle(read_quantity("3处"), read_quantity("3处"))
    ((False, '10%'), (True, None))
    """
    if done is None:
        return True, None
    if done.kind == "percent":
        return (True, None) if done.value >= 100 else (False, done.shown(100 - done.value))
    whole = done.total if done.total is not None else (found.value if found else None)
    if whole is None:
        return True, None
    if done.total is None and found is not None and found.kind != done.kind:
        raise QuantityError(
            f"cannot tell whether all was removed: found {found.text}, removed {done.text}"
        )
    if done.value > whole:
        of = found.text if found is not None else f"{done.total:g}"
        raise QuantityError(f"says more removed ({done.text}) than found ({of})")
    if done.value == whole:
        return True, None
    shown = found if found is not None and found.unit else done
    return False, shown.shown(round(whole - done.value, 6))


def measure_values(values, kind: str, plain: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, unreadable mask) of a measurement column: areas in m² with
    their units converted (2亩 is 1333.3 m², 0.1公顷 1000 m²), percentages in %;
    a number without a unit is in the column's unit (``plain`` m² for an area
    column headed 面积(亩)); a unit of another kind (3处 in an area) is unreadable.

    Examples
    --------
    >>> numbers, bad = measure_values(["2亩", "0.1 ha", "3", "3处", ""], "area")
    >>> numbers.round(1).tolist()[:3], bad.tolist()
    ([1333.3, 1000.0, 3.0], [False, False, False, True, False])
    """
    series = pd.Series(values, dtype="object")
    numbers = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float, copy=True) * plain
    bad = np.zeros(len(numbers), dtype=bool)
    texts = series.astype(str).str.strip()
    retry = np.isnan(numbers) & series.notna().to_numpy() & ~texts.str.lower().isin(["", "nan"])
    readings = {text: _measure(text, kind, plain) for text in pd.unique(texts[retry])}
    for position in np.flatnonzero(retry):
        numbers[position] = readings[texts.iloc[position]]
        bad[position] = np.isnan(numbers[position])
    infinite = np.isinf(numbers)
    numbers[infinite] = np.nan
    return numbers, bad | infinite


def _measure(text, kind, plain):
    normal = unicodedata.normalize("NFKC", text).lower().strip().removeprefix("约")
    quantity = read_quantity(normal) if _PARTS.fullmatch(normal) or "百分之" in normal else None
    if quantity is None or quantity.total is not None:
        return np.nan
    if quantity.kind == kind:
        return quantity.value
    if not quantity.unit and quantity.kind == "count":
        return quantity.value * plain
    return np.nan
