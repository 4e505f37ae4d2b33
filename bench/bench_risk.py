"""Benchmark: the recurrence-risk ranking and patrol plans.

On the demo workspace, on a generated history with a known rule
(tests/risk_workspace.py: mown-only plots regrow in their first 240 days) and on
bench/coast.py data (RECORDS records, PLOTS plots; its regrowth is random, so no
ranking can beat chance there: it measures time): the history's spatial joins,
fitting and ranking, and the honest evaluation (AUC, precision at the top 10 %
beside both baselines). The baseline for time is ranking by a baseline alone
(no model fitted), in the same run. Plans: OR-Tools time per team-day, and the
gap of its greedy descent (what `hailin plan` runs) to guided local search
given 10 s per team.

Run: python -m bench.bench_risk [RECORDS] [PLOTS]
"""

import datetime
import os
import sys
import tempfile
import time

from bench.coast import coast, write_workspace
from hailin.demo import build_demo
from hailin.surveys.plan import Team, assign_teams, candidate_stops, route_team
from hailin.surveys.risk import day_number, evaluate_risk, fit_risk, rank_as_of, read_history
from hailin.surveys.risk.features import features_at
from hailin.surveys.risk.model import baseline_score
from tests.risk_workspace import build as build_rule


def timed(function):
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def risk_figures(name, ws, as_of, cutoff):
    frames = ws.frames()
    t_history, history = timed(lambda: read_history(frames))
    day = day_number(as_of)
    t_fit, model = timed(lambda: fit_risk(history, day, 4))
    t_rank, _ = timed(lambda: model.score(features_at(history, day)))
    t_base, _ = timed(lambda: baseline_score(features_at(history, day), "previous_season"))
    t_eval, result = timed(lambda: evaluate_risk(history, day_number(cutoff), 4))
    print(f"\n## {name}: {len(history.plots):,} cleared plots, fitted as of {as_of}")
    print(
        f"history (spatial joins) {t_history:.2f} s; fit {t_fit:.2f} s "
        f"({model.trained_on['rows']:,} rows, {model.trained_on['positives']:,} with Spartina, "
        f"{model.method}{', fallback ' + model.fallback if model.fallback else ''}); "
        f"rank {t_rank:.3f} s vs baseline rank {t_base:.3f} s; evaluate {t_eval:.2f} s"
    )
    print(f"evaluation, cut-off {cutoff}: {result['test']}")
    print("| method | AUC | precision@10% | precision@20% |\n|---|---|---|---|")
    for method, score in result["scores"].items():
        cells = [score["auc"], score["precision_10"], score["precision_20"]]
        shown = ["—" if v is None else f"{v:.3f}" for v in cells]
        print(f"| {method} | " + " | ".join(shown) + " |")
    return frames


def plan_figures(name, frames, teams, week, as_of):
    _model, ranked, cut = rank_as_of(frames, as_of, 4)
    stops = candidate_stops(ranked, cut, "zh", 0.2)
    owner = assign_teams(stops, teams)
    spent, team_days, gaps = 0.0, 0, []
    for team in teams:
        mine = stops[(owner == team.name).to_numpy()]
        seconds, route = timed(lambda t=team, m=mine: route_team(m, t, week))
        spent += seconds
        team_days += len(team.days)
        if len(mine) and len(gaps) < 3:
            guided = route_team(mine, team, week, seconds=10, guided=True)
            km = route.drop_duplicates("day")["day_km"].sum()
            km_guided = guided.drop_duplicates("day")["day_km"].sum()
            gaps.append(
                (
                    team.name,
                    len(mine),
                    len(route),
                    km,
                    len(guided),
                    km_guided,
                    route["priority"].sum(),
                    guided["priority"].sum(),
                )
            )
    print(
        f"\n## plans on {name}: {len(teams)} teams, {team_days} team-days, {len(stops)} candidate stops"
    )
    print(
        f"OR-Tools (greedy descent) {spent:.2f} s in all, {spent / team_days * 1000:.0f} ms per team-day"
    )
    print(
        "| team | candidates | stops (greedy) | km | stops (guided, 10 s) | km | priority greedy / guided |"
    )
    print("|---|---|---|---|---|---|---|")
    for team, n, s1, k1, s2, k2, p1, p2 in gaps:
        print(f"| {team} | {n} | {s1} | {k1:.2f} | {s2} | {k2:.2f} | {p1 / max(p2, 1e-9):.3f} |")


def main(records=200_000, plots=20_000):
    with open("/proc/loadavg") as file:
        print("load average:", file.read().split()[:3])
    folder = tempfile.mkdtemp()
    ws, _ = build_demo(os.path.join(folder, "demo"))
    demo = risk_figures("demo", ws, datetime.date(2024, 6, 1), datetime.date(2024, 3, 1))
    teams = [Team(s, (s,), (), 6.0) for s in ("kewan", "xuncheng", "luochun")]
    plan_figures("the demo", demo, teams, "2024-W23", datetime.date(2024, 6, 2))
    rule = build_rule(os.path.join(folder, "rule"))
    risk_figures(
        "generated history with a known rule",
        rule,
        datetime.date(2024, 9, 1),
        datetime.date(2024, 9, 1),
    )
    t_write, big = timed(
        lambda: write_workspace(os.path.join(folder, "coast"), coast(records, plots))
    )
    print(f"\ncoast data: {records:,} records, {plots:,} plots written in {t_write:.1f} s")
    frames = risk_figures("coast", big, datetime.date(2024, 6, 1), datetime.date(2024, 1, 1))
    counties = frames.clearance["site"].value_counts().index[:10]
    teams = [Team(c, (c,), (), 8.0) for c in counties]
    plan_figures("coast (10 counties)", frames, teams, "2024-W23", datetime.date(2024, 6, 2))
    with open("/proc/loadavg") as file:
        print("\nload average:", file.read().split()[:3])


if __name__ == "__main__":
    main(*[int(a) for a in sys.argv[1:3]])
