"""hailin risk --as-of DATE [--weeks 4] · hailin risk evaluate --cutoff DATE"""

import datetime

import click

from hailin.cli.common import emit_json, workspace_command
from hailin.cli.risk_words import say

_day = click.DateTime(formats=["%Y-%m-%d"])


def as_of_option(help_text: str):
    """--as-of DATE (YYYY-MM-DD), as each command reads it."""
    return click.option("--as-of", "as_of", type=_day, help=help_text)


weeks_option = click.option(
    "--weeks",
    type=click.IntRange(1, 52),
    default=4,
    show_default=True,
    help="The window ahead: the risk is of Spartina found within so many weeks.",
)


def how_ranked(model, lang: str) -> str:
    """The line saying what ranked the plots: the model, or the fallback and why."""
    from hailin.surveys.risk.model import MIN_DAYS, MIN_POSITIVES
    from hailin.surveys.schema import word

    counts = model.trained_on
    if model.fallback is None:
        return say("model", lang, **counts)
    if model.fallback == "baseline_better":
        checked = counts["validation"]
        return say(
            "baseline_better",
            lang,
            days=checked["days"],
            model=checked["model"],
            best=checked[model.method],
            baseline=word("risk_reason", model.method, lang),
        )
    if model.fallback == "not_validated":
        return say("not_validated", lang, baseline=word("risk_reason", model.method, lang))
    return say(
        "fallback",
        lang,
        days=counts["days"],
        positives=counts["positives"],
        min_days=MIN_DAYS,
        min_positives=MIN_POSITIVES,
        baseline=word("risk_reason", model.method, lang),
    )


def _plot_payload(row, lang):
    from hailin.surveys.risk.reasons import reason_texts

    risk = None if row["risk"] != row["risk"] else round(float(row["risk"]), 4)
    return {
        "rank": int(row["rank"]),
        "plot_id": row["plot_id"],
        "site": row["site"],
        "township": row["township"],
        "risk": risk,
        "score": round(float(row["score"]), 4),
        "reasons": [
            {"code": code, "text": text}
            for code, text in zip(row["reasons"], reason_texts(row, lang), strict=True)
        ],
    }


@workspace_command(click.group("risk", invoke_without_command=True))
@as_of_option("The day ranked (default: today).")
@weeks_option
@click.option(
    "--top", type=click.IntRange(0), default=20, show_default=True, help="Plots shown (0: all)."
)
def risk_group(ws, as_json, as_of, weeks, top):
    """Rank the cleared plots by the risk that Spartina is found there in the
    next weeks, learnt from this workspace's own record, with each plot's reasons."""
    if click.get_current_context().invoked_subcommand is not None:
        return
    day = as_of.date() if as_of else datetime.date.today()
    lang = ws.settings.language
    from hailin.surveys.risk import rank_as_of

    model, ranked, _ = rank_as_of(ws.frames(as_of=day), day, weeks)
    shown = ranked if top == 0 else ranked.head(top)
    plots = [_plot_payload(row, lang) for row in shown.to_dict("records")]
    if as_json:
        emit_json(
            {
                "as_of": day.isoformat(),
                "weeks": weeks,
                "method": model.method,
                "fallback": model.fallback,
                "note": how_ranked(model, lang),
                "trained_on": model.trained_on,
                "plots_ranked": len(ranked),
                "plots": plots,
            }
        )
        return
    click.echo(say("ranking", lang, as_of=day, weeks=weeks, how=how_ranked(model, lang)))
    if not plots:
        click.echo(say("no_plots", lang))
        return
    click.echo(say("header", lang))
    for plot in plots:
        risk = "—" if plot["risk"] is None else f"{plot['risk']:.2f}"
        reasons = ("；" if lang == "zh" else "; ").join(r["text"] for r in plot["reasons"])
        click.echo(f"{plot['rank']:>4}  {plot['plot_id']}  {risk}  {reasons}")


def _figure(value, percent=False):
    if value is None:
        return "—"
    return f"{value * 100:.1f}%" if percent else f"{value:.3f}"


@workspace_command(risk_group.command("evaluate"))
@click.option(
    "--cutoff", required=True, type=_day, help="Fit on the record before this day, score after."
)
@weeks_option
def evaluate_command(ws, as_json, cutoff, weeks):
    """How well the ranking predicts: fitted before the cut-off, scored on
    what the patrols found after it (AUC, precision at the top 10 % and 20 %),
    beside the two baselines."""
    from hailin.surveys.risk import day_number, evaluate_risk, read_history
    from hailin.surveys.schema import word

    lang = ws.settings.language
    result = evaluate_risk(read_history(ws.frames()), day_number(cutoff.date()), weeks)
    model = result["model"]
    if as_json:
        emit_json(
            {
                "cutoff": cutoff.date().isoformat(),
                "weeks": weeks,
                "method": model.method,
                "fallback": model.fallback,
                "note": how_ranked(model, lang),
                "trained_on": model.trained_on,
                "test": result["test"],
                "scores": result["scores"],
            }
        )
        return
    day = cutoff.date()
    click.echo(say("fitted", lang, cutoff=day, **model.trained_on))
    if model.fallback is not None:
        click.echo(how_ranked(model, lang))
    if result["test"]["rows"] == 0:
        click.echo(say("nothing_after", lang, weeks=weeks))
        return
    click.echo(say("scored", lang, **result["test"]))
    click.echo(say("scores_header", lang))
    for name, score in result["scores"].items():
        label = say("model_name", lang) if name == "model" else word("risk_reason", name, lang)
        click.echo(
            f"{label}  {_figure(score['auc'])}  {_figure(score['precision_10'], True)}"
            f"  {_figure(score['precision_20'], True)}"
        )
