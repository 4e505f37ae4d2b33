"""Layer: verification tasks of suspected findings (核查任务), one point per
task at its first suspicion, appearing on the day the suspicion was made and
coloured by its status on the time control's date."""

import numpy as np

from hailin.layers.encode import ints, local_minutes, text_column
from hailin.layers.features import STATE, Popup, data_layer, entered, labelled, steps
from hailin.layers.text import text
from hailin.surveys.localtime import DEFAULT_TIMEZONE, local_dates, local_day_numbers
from hailin.surveys.schema import colours, word

TASK_COLOURS = colours("task_status")


def _timeline(tasks, timezone):
    """Per task [(day, status), ...]: open from the suspicion's day, then
    confirmed or cleared from the day of the inspection that closed it."""
    opened = local_day_numbers(tasks["suspected_at"], timezone)
    closed = tasks["closed_at"].notna().to_numpy()
    closed_day = np.zeros(len(tasks), dtype=np.int64)
    if closed.any():
        closed_day[closed] = local_day_numbers(tasks["closed_at"][closed], timezone)
    return [
        [(int(o), "open"), *([(int(c), status)] if shut else [])]
        for o, c, shut, status in zip(opened, closed_day, closed, tasks["status"], strict=True)
    ]


def tasks_layer(tasks, lang="zh", show=True, timezone=DEFAULT_TIMEZONE):
    """(layer, legend entries) of ``tasks`` (:func:`hailin.surveys.ledger.tasks.verification_tasks`):
    a point per task from the day of its suspicion, coloured by its status on
    the time control's date; days in ``timezone``."""
    statuses = list(TASK_COLOURS)
    minutes = local_minutes(tasks["suspected_at"], timezone)
    closed_on = local_dates(tasks["closed_at"], timezone)
    closed = [
        f"{day.isoformat()} {word('finding', by, lang)}" if isinstance(by, str) else None
        for day, by in zip(closed_on, tasks["closed_by"], strict=True)
    ]
    columns = {
        "task": text_column(tasks["task_id"].astype(str), entered=lang == "en"),
        "suspected_on": {"kind": "minute", "values": ints(minutes)},
        "suspicions": text_column([str(n) for n in tasks["suspicions"]]),
        "closed": text_column(closed),
    }
    rows = labelled(["suspected_on", "suspicions", "closed"], lang)
    popup = Popup(text("task", lang), "task", [*rows[:1], (text("status", lang), STATE), *rows[1:]])
    style = {
        "base": {"color": "#333333", "weight": 2, "fillOpacity": 0.9},
        "colours": list(TASK_COLOURS.values()),
        "class": STATE,
    }
    layer = data_layer(
        tasks,
        text("tasks_layer", lang),
        columns,
        popup,
        ["task", STATE],
        style,
        time=steps(_timeline(tasks, timezone), statuses),
        show=show,
        radius=7,
        states=[word("task_status", s, lang) for s in statuses],
        words=entered(lang),
    )
    return layer, [
        {
            "label": f"{text('tasks_layer', lang)}: {word('task_status', s, lang)}",
            "color": c,
            "fill": c,
        }
        for s, c in TASK_COLOURS.items()
    ]
