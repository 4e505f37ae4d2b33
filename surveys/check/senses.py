"""What the terms of a phrase say together: the finding, the action, the
quantities that fill measurements, and what a partial removal left.

The terms come from :func:`hailin.surveys.check.phrases.read_text`; this module
only decides. Nothing is guessed: a phrase that says two things that cannot
both be true is refused with the reason.
"""

import dataclasses

import numpy as np

from hailin.surveys.check.quantities import Quantity, settle

NEGATABLE = (
    "spartina_regrowth",
    "spartina_new",
    "spartina_suspected",
    "mangrove_damage",
    "seedling_harvest",
)
SPARTINA = ("spartina_regrowth", "spartina_new")
MEASURES = ("cover_pct", "survival_pct", "patch_area_m2")
# What a phrase's actions say together, the first that applies.
_ACTION_ORDER = ("removed", "partly_removed", "in_progress", "stopped", "reported")
# Findings the enforcement action (已制止) goes with.
_STOPPABLE = ("mangrove_damage", "seedling_harvest")


class Refused(Exception):
    """A phrase that cannot be read as one finding or action (the reason)."""


@dataclasses.dataclass(frozen=True)
class Reading:
    """What a finding or action phrase says.

    ``code``: the finding or action; ``action``: for a finding, the action its
    words name too (or None); ``problem``: the reason it is refused.
    ``found`` and ``done``: the quantity found and the quantity removed (or
    people stopped); ``measures``: (column, value, words) the phrase gives for
    cover_pct, survival_pct or patch_area_m2; ``remaining``: what a partial
    removal left, in words; ``keep``: the phrase says more than its codes (who,
    when, why, how much), so it is kept in the record's notes; ``no_need``: it
    says no action is needed (a contradiction beside a Spartina finding).
    """

    code: str | None = None
    action: str | None = None
    problem: str | None = None
    found: Quantity | None = None
    done: Quantity | None = None
    measures: tuple = ()
    remaining: str | None = None
    keep: bool = False
    no_need: bool = False


@dataclasses.dataclass(frozen=True)
class Readings:
    """The readings of a column's rows: each distinct reading once
    (``distinct``) and each row's position in it (``at``), so that a column
    repeating a few phrases a million times is looked at a few times."""

    distinct: tuple
    at: np.ndarray

    @classmethod
    def blank(cls, n: int) -> "Readings":
        """A blank reading for each of ``n`` rows (a column the file lacks)."""
        return cls((Reading(),), np.zeros(n, dtype=np.int64))

    def field(self, field: str) -> np.ndarray:
        """``field`` of each row's reading (an object array)."""
        values = np.empty(len(self.distinct), dtype=object)
        for i, reading in enumerate(self.distinct):
            values[i] = getattr(reading, field)
        return values[self.at]

    def __getitem__(self, row: int) -> Reading:
        return self.distinct[self.at[row]]

    def __len__(self) -> int:
        return len(self.at)

    def where(self, mask, other: "Readings") -> "Readings":
        """``other``'s reading where ``mask``, this one's elsewhere."""
        at = np.where(mask, other.at + len(self.distinct), self.at)
        return Readings(self.distinct + other.distinct, at)


def name(code, word):
    return f"{code} ({word})"


def joined(first, second):
    space = " " if first[-1].isascii() or second[0].isascii() else ""
    return f"{first}{space}{second}"


def shown(word, negation):
    """A term as the phrase had it: '未见复萌', 'not removed', 'removal pending'."""
    if negation is None:
        return word
    return joined(word, negation[1]) if negation[2:] else joined(negation[1], word)


@dataclasses.dataclass
class _Said:
    """The facts of a phrase's terms, gathered."""

    named: dict = dataclasses.field(default_factory=dict)
    ruled_out: dict = dataclasses.field(default_factory=dict)
    said: dict = dataclasses.field(default_factory=dict)
    modes: dict = dataclasses.field(default_factory=dict)  # not / pending / ongoing -> words
    found: Quantity | None = None
    done: Quantity | None = None
    measures: dict = dataclasses.field(default_factory=dict)
    clear: str | None = None
    vague: tuple | None = None
    nothing: str | None = None
    no_need: str | None = None


def _with(word, quantity):
    """A word and its quantity as written together: 复萌3平方米, cover 15%."""
    return f"{word} {quantity.text}" if word[-1].isascii() else word + quantity.text


def _measure(said, field, quantity, word):
    kind = "area" if field == "patch_area_m2" else "percent"
    if quantity.kind != kind or quantity.total is not None:
        what = "an area (平方米, 亩, 公顷)" if kind == "area" else "a percentage"
        raise Refused(f"says '{word} {quantity.text}', but {word} takes {what}")
    said.measures.setdefault(field, (quantity.value, _with(word, quantity)))


def _finding_quantities(said, code, word, quantities):
    for quantity in quantities:
        if code == "planting_check" and quantity.kind == "percent":
            _measure(said, "survival_pct", quantity, word)
        elif code in SPARTINA and quantity.kind == "percent":
            raise Refused(
                f"does not say what '{quantity.text}' is of: write 盖度 (cover) before it"
            )
        elif code in SPARTINA and quantity.kind in ("area", "count"):
            said.found = said.found or quantity
            if quantity.kind == "area":
                said.measures.setdefault("patch_area_m2", (quantity.value, _with(word, quantity)))


def _gather(terms):
    said = _Said()
    for role, code, word, negation, quantities in terms:
        term = shown(word, negation)
        mode = negation[0] if negation else None
        if mode in ("pending", "ongoing") and role != "action":
            raise Refused(f"says '{term}', but {negation[1]} ({mode}) goes with an action")
        if role in MEASURES:
            for quantity in quantities:
                _measure(said, role, quantity, word)
        elif role == "finding" and negation is None:
            if code == "clear":
                said.clear = said.clear or word
            else:
                said.named.setdefault(code, word)
                _finding_quantities(said, code, word, quantities)
        elif role == "finding":  # not or unable (未能发现复萌)
            if code not in NEGATABLE:
                raise Refused(f"says '{term}', but {code} cannot be negated")
            said.ruled_out.setdefault(code, term)
        elif role == "action" and negation is None:
            said.said.setdefault(code, term)
            said.done = said.done or next(iter(quantities), None)
        elif role == "action":
            said.modes.setdefault(mode, {}).setdefault(code, term)
        elif role == "spartina" and negation:
            for spartina in (*SPARTINA, "spartina_suspected"):
                said.ruled_out.setdefault(spartina, term)
        elif role == "anomaly" and negation:
            said.clear = said.clear or term
        elif role in ("spartina", "anomaly"):
            said.vague = said.vague or (role, word)
        elif role == "no_need":
            said.no_need = word
        elif role == "nothing":
            said.nothing = word
        else:  # pending or ongoing alone
            said.modes.setdefault(role, {}).setdefault("removed", word)
    return said


def _partial(said):
    """Whether the removal said covers only part of what was found (then the
    rest may be pending or not done: 拔除4处，剩余1处待清除)."""
    try:
        return not settle(said.found, said.done)[0]
    except ValueError:
        return False


def _action(said, reasons):
    """The action the terms say (or None), refusing a removal both said and not."""
    if "removed" in said.said and _partial(said):
        for mode in ("not", "unable", "pending", "ongoing"):
            said.modes.get(mode, {}).pop("removed", None)
    for mode in ("not", "unable", "pending", "ongoing"):
        for code in said.said.keys() & said.modes.get(mode, {}).keys():
            denied = said.modes[mode][code]
            raise Refused(f"says both {code} ('{said.said[code]}') and not ('{denied}')")
    if said.no_need and said.said:
        code, word = next(iter(said.said.items()))
        raise Refused(f"says both '{said.no_need}' and {code} ('{word}')")
    if "ongoing" in said.modes:
        said.said.setdefault("in_progress", next(iter(said.modes["ongoing"].values())))
    if "in_progress" in said.said:  # removal in progress: not yet removed
        said.said.pop("removed", None)
    action = next((c for c in _ACTION_ORDER if c in said.said), None)
    if action is None and "pending" in said.modes:
        action = "pending"
    if action is None and "unable" in said.modes:
        action = "removal_blocked"
    if action is None and ("not" in said.modes or said.no_need):
        action = "removal_blocked" if reasons and "not" in said.modes else "none"
    return action


def meaning(terms, details, vocabulary) -> Reading:
    """The :class:`Reading` the terms of a phrase say (``details``: the who,
    when and why words beside them), or :class:`Refused`."""
    said = _gather(terms)
    action = _action(said, [w for role, w in details if role == "reason"])
    remaining = None
    if action == "removed":
        try:
            complete, remaining = settle(said.found, said.done)
        except ValueError as error:
            raise Refused(str(error)) from None
        action = "removed" if complete else "partly_removed"
    keep = bool(details) or any(quantities for *_, quantities in terms)
    common = {
        "found": said.found,
        "done": said.done,
        "measures": tuple((f, *v) for f, v in said.measures.items()),
        "remaining": remaining,
        "keep": keep or action in ("pending", "removal_blocked", "partly_removed", "stopped"),
        "no_need": said.no_need is not None,
    }
    if vocabulary == "action":
        if said.named or said.ruled_out or said.clear or said.vague:
            raise Refused("names a finding, not an action")
        if said.nothing is not None and said.said:
            raise Refused(f"says both '{said.nothing}' and {action} ('{said.said[action]}')")
        if action is None and said.nothing is None:
            raise Refused("names no action")
        return Reading(action or "none", **common)
    code = _finding(said, action)
    if action == "partly_removed" and code not in (*SPARTINA, "spartina_suspected"):
        raise Refused(
            f"says part was removed ({said.said.get('removed') or said.said['partly_removed']}), "
            "so Spartina remains: say whether it is regrowth (复萌) or new (新发)"
        )
    if action == "stopped" and code not in _STOPPABLE:
        raise Refused(
            f"says '{said.said['stopped']}' (stopped), which goes with damage (破坏) or "
            "seedling harvest (采摘)"
        )
    if code == "spartina_suspected" and action in ("removed", "partly_removed"):
        raise Refused(
            "says suspected and removed: if it was Spartina, write 复萌已清除; "
            "if unsure, leave the removal out"
        )
    if said.no_need and code in SPARTINA:
        raise Refused(
            f"says {name(code, said.named[code])} and '{said.no_need}' (no action needed); "
            "Spartina found always needs removing"
        )
    return Reading(code, "removed" if code == "spartina_removed" else action, **common)


def _finding(said, action):
    """The finding the gathered terms name (``action``: the one they say)."""
    named, ruled_out = said.named, said.ruled_out
    if "spartina_suspected" in named:
        others = [c for c in named if c not in (*SPARTINA, "spartina_suspected")]
        if not others:
            return "spartina_suspected"
        named = {c: w for c, w in named.items() if c not in SPARTINA}
    if len(named) > 1:
        found = " and ".join(name(c, w) for c, w in named.items())
        raise Refused(f"names two findings, {found}; a row holds one")
    for code in named.keys() & ruled_out.keys():
        raise Refused(f"says both {code} ('{named[code]}') and not ('{ruled_out[code]}')")
    negative = said.clear or said.nothing or next(iter(ruled_out.values()), None)
    if named and (said.clear or said.nothing):
        code, word = next(iter(named.items()))
        raise Refused(f"says both {name(code, word)} and clear ('{said.clear or said.nothing}')")
    if named:
        return next(iter(named))
    if "removed" in said.said or action == "partly_removed":
        if negative:
            removal = said.said.get("removed") or said.said.get("partly_removed")
            raise Refused(f"says both clear ('{negative}') and removed ('{removal}')")
        return "spartina_removed"
    if negative or said.no_need:
        return "clear"
    if said.vague and said.vague[0] == "spartina":
        raise Refused(f"does not say whether '{said.vague[1]}' is regrowth (复萌) or new (新发)")
    if said.vague:
        raise Refused(f"does not say what '{said.vague[1]}' was")
    raise Refused("names no finding")
