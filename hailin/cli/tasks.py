"""hailin tasks: the verification tasks (核查任务) suspected findings opened."""

import click

from hailin.cli.common import emit_json, workspace_command
from hailin.surveys.schema import word


def _day(times, timezone):
    from hailin.surveys.localtime import local_dates  # pandas: not for `hailin --help`

    return [
        d.isoformat() if hasattr(d, "isoformat") and d == d else None
        for d in local_dates(times, timezone)
    ]


@workspace_command(click.command("tasks"))
@click.option("--all", "every", is_flag=True, help="Closed tasks too (default: open ones only).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Words (default: hailin.toml).")
def tasks_command(ws, as_json, every, lang):
    """List verification tasks: places where a patrol suspected Spartina
    (疑似复萌, 有复萌迹象, 请复查) and no inspection has been there since.

    The next inspection closes a task: Spartina found opens a case at the
    suspicion's date (confirmed); nothing found closes it (cleared).
    """
    lang = lang or ws.settings.language
    tasks = ws.frames().tasks
    shown = tasks if every else tasks[tasks["status"].eq("open")]
    timezone = ws.settings.timezone
    rows = [
        {
            "task_id": task.task_id,
            "plot_id": task.plot_id if isinstance(task.plot_id, str) else None,
            "suspected_on": suspected,
            "suspicions": int(task.suspicions),
            "status": task.status,
            "closed_on": closed,
            "closed_by": task.closed_by,
            "lon": round(task.geometry.centroid.x, 6),
            "lat": round(task.geometry.centroid.y, 6),
        }
        for task, suspected, closed in zip(
            shown.itertuples(),
            _day(shown["suspected_at"], timezone),
            _day(shown["closed_at"], timezone),
            strict=True,
        )
    ]
    if as_json:
        emit_json({"open": int(tasks["status"].eq("open").sum()), "tasks": rows})
        return
    open_count = int(tasks["status"].eq("open").sum())
    click.echo(f"{open_count} open verification task(s) of {len(tasks)}")
    for row in rows:
        place = row["plot_id"] or f"({row['lon']}, {row['lat']})"
        status = word("task_status", row["status"], lang)
        closed = f", {row['closed_on']} {word('finding', row['closed_by'], lang)}"
        click.echo(
            f"  {row['task_id']}  {place}  {row['suspected_on']}  ×{row['suspicions']}  "
            f"{status}{closed if row['closed_on'] else ''}"
        )
