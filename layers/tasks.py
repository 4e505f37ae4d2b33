"""Layer: verification tasks of suspected findings (核查任务), one point per
task at its first suspicion, coloured by status, appearing on the day the
suspicion was made."""

from hailin.layers.encode import day_column, ints, local_minutes, text_column, word_column
from hailin.layers.features import Popup, data_layer, entered, labelled
from hailin.layers.text import text
from hailin.surveys.localtime import DEFAULT_TIMEZONE, local_dates
from hailin.surveys.schema import colours, word

TASK_COLOURS = colours("task_status")


def tasks_layer(tasks, lang="zh", show=True, timezone=DEFAULT_TIMEZONE):
    """(layer, legend entries) of ``tasks`` (:func:`hailin.surveys.ledger.tasks.verification_tasks`);
    days in ``timezone``. Each legend entry names its status."""
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
        "day": day_column(minutes // 1440),
        "status": word_column(tasks["status"], "task_status", lang),
        "suspicions": text_column([str(n) for n in tasks["suspicions"]]),
        "closed": text_column(closed),
    }
    popup = Popup(
        text("task", lang),
        "task",
        labelled(["suspected_on", "status", "suspicions", "closed"], lang),
    )
    style = {
        "base": {"color": "#333333", "weight": 2, "fillOpacity": 0.9},
        "colours": list(TASK_COLOURS.values()),
        "class": "status",
    }
    layer = data_layer(
        tasks,
        text("tasks_layer", lang),
        columns,
        popup,
        ["task", "status"],
        style,
        time={"since": "day"},
        show=show,
        radius=7,
        classes={"status": ints(tasks["status"].map(statuses.index).to_numpy())},
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
