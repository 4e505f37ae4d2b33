"""hailin flag · hailin ledger -o FILE · hailin progress"""

import os

import click

from hailin.cli.common import (
    as_of_option,
    emit_json,
    reports_errors,
    scheduler_option,
    workspace,
    workspace_command,
)
from hailin.surveys.dist.scheduler import connect
from hailin.surveys.io.export_formats import FORMATS
from hailin.surveys.schema import word


@workspace_command(click.command("flag"))
@scheduler_option
def flag_command(ws, as_json, scheduler):
    """Recompute recurrence detections, the ledger and new-infestation patches."""
    from hailin.surveys.ledger.cases import STATUSES
    from hailin.surveys.ledger.counts import CASE_KINDS, case_counts, open_cases_text

    with connect(scheduler) as client:
        detections, ledger, patches = ws.flag(ws.frames(client=client))
    counts = ledger.groupby(["kind", "status"]).size()
    one_count = case_counts(ledger)
    payload = {
        "detections": len(detections),
        "plots_with_detections": int(detections["plot_id"].nunique()),
        "cases": int((ledger["kind"] == "recurrence").sum()),
        "cases_by_status": {s: int(counts.get(("recurrence", s), 0)) for s in STATUSES},
        "new_infestations": len(patches),
        # Open cases of both kinds, counted as every output counts them.
        "open_cases": one_count["open"],
        "open_cases_by_kind": {k: one_count["by_kind"][k]["open"] for k in CASE_KINDS},
    }
    if as_json:
        emit_json(payload)
        return
    click.echo(
        f"{payload['detections']} Spartina finding(s) after clearance in "
        f"{payload['plots_with_detections']} plot(s)"
    )
    click.echo(
        f"{payload['cases']} recurrence case(s): "
        + ", ".join(f"{n} {word('status', s, 'en')}" for s, n in payload["cases_by_status"].items())
    )
    click.echo(f"{payload['new_infestations']} new infestation patch(es) outside the cleared plots")
    click.echo(f"open cases: {open_cases_text(one_count, 'en')}")


@click.command("ledger")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help=f"File to write: {', '.join(FORMATS)}.",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), help="Header language (default: hailin.toml)."
)
@as_of_option
@scheduler_option
@click.pass_context
@reports_errors
def ledger_command(ctx, output, lang, as_of, scheduler):
    """Write the recurrence ledger (台账), recomputed from the store."""
    if os.path.splitext(output)[1].lower() not in FORMATS:
        raise click.BadParameter(
            f"{output!r}: write .csv, .xlsx, .gpkg or .geojson", param_hint="-o"
        )
    ws = workspace(ctx)
    with connect(scheduler) as client:
        ledger = ws.exports.ledger(output, lang, ws.frames(client=client, as_of=as_of))
    click.echo(f"{len(ledger)} case(s) written to {output}")


@workspace_command(click.command("progress"))
@as_of_option
@scheduler_option
def progress_command(ws, as_json, as_of, scheduler):
    """Cleared and planted mu against the targets, recurrence and survival
    (with --as-of: as they stood at the end of that day)."""
    import pandas as pd

    from hailin.surveys.ledger.counts import open_cases_text
    from hailin.surveys.stats import recurrence_by_year

    with connect(scheduler) as client:
        frames = ws.frames(client=client, as_of=as_of)
        clearance, restoration = ws.progress(frames=frames)
        # The programme's figure: plots re-cleared in the year (surveys.stats.recurrence).
        per_year = recurrence_by_year(frames.ledger).body
    if as_json:
        years = [{"year": year, **row} for year, row in per_year.to_dict(orient="index").items()]
        emit_json(
            {
                "as_of": None if as_of is None else as_of.isoformat(),
                "clearance": clearance.to_dict(),
                "restoration": restoration.to_dict(),
                "recurrence_by_year": years,
            }
        )
        return
    c, r = clearance.totals, restoration.totals
    if as_of is not None:
        click.echo(f"As of {as_of.isoformat()} (the end of that day):")
    click.echo(
        f"Clearance:   {c['cleared_mu']:,.1f} mu of {c['target_mu']:,.0f} mu target "
        f"({c['pct_of_target'] or 0:.1f}%), {c['plots']} plots"
    )
    by_status = {s: f"{word('status', s, 'en')} {n}" for s, n in c["cases_by_status"].items()}
    click.echo(
        f"  recurrence: {c['recurrence_cases']} case(s) in {c['recurrence_plots']} plot(s); "
        f"{by_status['open']} ({c['open_recurrence_mu']:,.1f} mu), "
        f"{by_status['re_cleared']}, {by_status['verified_clear']}; "
        f"{c['new_infestations']} new patch(es)"
    )
    by_kind = {k: {"open": n} for k, n in c["open_cases_by_kind"].items()}
    shown = open_cases_text({"open": c["open_cases"], "by_kind": by_kind}, "en")
    click.echo(f"  open cases: {shown}")
    for row in clearance.extra["recurrence_plots_by_year"].itertuples():
        click.echo(f"  recurrence plots first found in {row.year}: {row.recurrence_plots}")
    for year, row in per_year.iterrows():
        click.echo(
            f"  plots re-cleared in {year}: {int(row['plots_re_cleared'])} "
            f"({row['re_cleared_mu']:,.2f} mu), cases opened: {int(row['cases_opened'])}"
        )
    click.echo(
        "  by month: "
        + ", ".join(f"{row.month} {row.area_mu:,.1f}" for row in clearance.by_period.itertuples())
    )
    click.echo(
        "  by township: "
        + ", ".join(
            f"{row.township} {row.area_mu:,.1f}" for row in clearance.by_township.itertuples()
        )
    )
    survival = (
        "n/a"
        if r["survival_pct"] is None or pd.isna(r["survival_pct"])
        else f"{r['survival_pct']:.1f}%"
    )
    click.echo(
        f"Restoration: {r['planted_mu']:,.1f} mu of {r['target_mu']:,.0f} mu target "
        f"({r['pct_of_target'] or 0:.1f}%), {r['plots']} plots, survival {survival} "
        f"(area-weighted, {r['plots_checked']} plots checked)"
    )
    click.echo(
        "  by year: "
        + ", ".join(f"{row.year} {row.area_mu:,.1f}" for row in restoration.by_period.itertuples())
    )
    _imagery_line(restoration.extra.get("imagery"))


def _imagery_line(imagery):
    """The survival estimated from imagery, beside the planting checks' (when
    `hailin raster cover` has measured any plot)."""
    if not imagery or imagery["survival_pct"] is None:
        return
    from hailin.surveys.ledger.cover import MIN_TREND_DAYS

    trend = imagery["trend_pct_per_year"]
    trend = (
        f"no trend yet (dates less than {MIN_TREND_DAYS} days apart)"
        if trend is None
        else f"cover trend {trend:+.1f} points/year ({imagery['plots_with_trend']} plots)"
    )
    dates = imagery["dates"]
    click.echo(
        f"  from imagery: survival {imagery['survival_pct']:.1f}% (latest mangrove cover, "
        f"area-weighted, {imagery['plots_measured']} plots, {len(dates)} image date(s) "
        f"{dates[0]} to {dates[-1]}); {trend}"
    )
