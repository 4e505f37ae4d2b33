"""What a row's finding and action phrases add to its record besides codes:
the removal weighed against what was found (across both columns),
measurements typed in the text, the words kept in the notes, and the
contradictions between the two columns.

Each function takes the :class:`hailin.surveys.check.senses.Readings` of the
two columns and marks the rows it refuses in ``problems``.
"""

import json

import numpy as np
import pandas as pd

from hailin.surveys.check.quantities import settle
from hailin.surveys.check.senses import SPARTINA
from hailin.surveys.io.raw import note

# Notes a file gets per kind of fill before they are counted instead.
_NOTES_SHOWN = 20
_NAMES = {"cover_pct": "cover (盖度)", "survival_pct": "survival (成活率)"}
_NAMES["patch_area_m2"] = "patch area (面积, m²)"


def weigh_removals(action, found_by, done_by, problems, column):
    """(actions, remainders): a removal is ``partly_removed`` when it covers
    only part of what the finding's words found (复萌3处 and 已处理2处 in two
    columns); a removal that cannot be weighed against the finding (3处 found,
    2平方米 removed) is refused under ``column``."""
    action = np.asarray(action, dtype=object).copy()
    found_left, done_left = found_by.field("remaining"), done_by.field("remaining")
    remaining = np.where(pd.notna(found_left), found_left, done_left)
    bad = np.full(len(action), None, dtype=object)
    found_of = found_by.field("found")
    weighed = (action == "removed") & pd.notna(found_of)  # only what found a quantity
    for i in np.flatnonzero(weighed):
        found, done = found_of[i], done_by[i].done or found_by[i].done
        if done is None:
            continue
        try:
            complete, left = settle(found, done)
        except ValueError as error:
            bad[i] = f"{error}; correct the finding or the action"
            continue
        if not complete:
            action[i], remaining[i] = "partly_removed", left
    problems.add(pd.notna(bad), column, bad)
    return action, remaining


def contradictions(finding, actions, action, problems, column):
    """Refuse what the two columns say against each other: no action needed
    beside Spartina, people stopped beside a finding that is not damage or
    harvest, a suspicion removed."""
    no_need = actions.field("no_need").astype(bool)
    spartina = pd.Series(finding, dtype=object).isin(SPARTINA).to_numpy()
    problems.add(
        no_need & spartina,
        column,
        "says no action is needed, but Spartina was found (复萌/新发); "
        "Spartina found always needs removing",
    )
    stopped = (action == "stopped") & ~pd.Series(finding, dtype=object).isin(
        ("mangrove_damage", "seedling_harvest")
    ).to_numpy()
    problems.add(
        stopped & pd.notna(finding),
        column,
        "已制止 (stopped) goes with damage (破坏) or seedling harvest (采摘) only",
    )
    problems.add(
        (finding == "spartina_suspected")
        & pd.Series(action, dtype=object).isin(("removed", "partly_removed")).to_numpy(),
        column,
        "says suspected and removed: if it was Spartina, write 复萌 with the removal",
    )


def fill_measures(measures, findings, texts, context, problems, warnings):
    """Fill empty measurement columns from quantities typed in the finding's
    words (约3平方米, 盖度10%, 成活率85%), with a note naming the column and the
    text; a quantity that disagrees with the column's value refuses the row.

    ``context`` holds ``headers`` (field -> column), ``column`` (the finding's
    column) and ``rows`` (source rows, for the notes).
    """
    headers, source_rows = context["headers"], context["rows"]
    filled: dict[str, list] = {}
    disagree = {field: np.full(len(findings), None, dtype=object) for field in _NAMES}
    measured = findings.field("measures")
    for i in np.flatnonzero([bool(m) for m in measured]):
        for field, value, words in measured[i]:
            column = headers.get(field, field)
            given = measures[field][i]
            if np.isnan(given):
                measures[field][i] = value
                filled.setdefault(field, []).append((i, words))
            elif not np.isclose(given, value, rtol=1e-6, atol=1e-6):
                disagree[field][i] = (
                    f"{column} {given:g} disagrees with the text {texts[i][:60]!r} "
                    f"({words} is {value:g}); correct one of them"
                )
    for field, shown in disagree.items():
        problems.add(pd.notna(shown), headers.get(field, field), shown)
    for field, rows in filled.items():
        name = f"{_NAMES[field]} column {headers.get(field, field)!r}"
        for i, words in rows[:_NOTES_SHOWN]:
            warnings.append(
                note(
                    f"{name} was empty: {measures[field][i]:g} taken from the text "
                    f"{texts[i][:60]!r} ({words})",
                    row=int(source_rows[i]),
                    column=context["column"],
                )
            )
        if len(rows) > _NOTES_SHOWN:
            warnings.append(
                note(
                    f"{len(rows) - _NOTES_SHOWN} more row(s): {name} taken from the text",
                    column=context["column"],
                )
            )


def kept_notes(notes, parts):
    """The notes of each row with what the phrases said beyond their codes:
    ``parts`` are (texts, readings) of the finding and action columns and
    the remainders; a phrase that says who, when, why or how much is kept
    whole, a remainder as 剩余未清除：…."""
    notes = np.asarray(notes, dtype=object).copy()
    (finding_texts, findings), (action_texts, actions), remaining = parts
    keep = findings.field("keep").astype(bool) | actions.field("keep").astype(bool)
    for i in np.flatnonzero(keep | pd.notna(remaining)):
        extra = [
            str(text)
            for text, reading in ((finding_texts[i], findings[i]), (action_texts[i], actions[i]))
            if reading.keep and isinstance(text, str)
        ]
        if remaining[i]:
            extra.append(f"剩余未清除：{remaining[i]}")
        if extra:
            notes[i] = "；".join([notes[i], *extra] if isinstance(notes[i], str) else extra)
    return notes


def with_people_stopped(extra, action, findings, actions):
    """``extra`` (JSON text per row) with ``stopped_people``, the number of
    people stopped (制止3人, 制止教育有关群众100多名), on rows whose action is
    stopped and whose words give that number: the programme counts them."""
    extra = np.asarray(extra, dtype=object).copy()
    done = np.where(pd.notna(actions.field("done")), actions.field("done"), findings.field("done"))
    for i in np.flatnonzero(action == "stopped"):
        if done[i] is not None and done[i].kind == "people":
            fields = json.loads(extra[i]) if isinstance(extra[i], str) else {}
            fields["stopped_people"] = int(done[i].value)
            extra[i] = json.dumps(fields, ensure_ascii=False)
    return extra
