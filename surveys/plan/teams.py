"""The patrol teams a plan is made for: a small TOML file (or ``[[plan.team]]``
tables in hailin.toml, read by :func:`teams_of` too), checked and bounded.

[[team]]
name = "前岐镇巡查队"        # as the team's patrol records name it
sites = ["kewan"]           # its area: sites of the registry …
townships = []              # … and/or townships
budget_km = 6               # a day's walk, start to start
days = [1, 3, 5]            # ISO weekdays it patrols (1 Monday … 7 Sunday); default 1-5
start = [120.317, 27.268]   # where each day's walk starts and ends (lon, lat); optional
"""

import dataclasses
import difflib
import math
import os
import tomllib

from hailin.surveys.errors import PlanError

TEAMS_FILE = "teams.toml"
MAX_TEAMS_BYTES = 64 * 1024
MAX_TEAMS = 200
MAX_NAME = 60
BUDGET_KM = (0.1, 60.0)
_KEYS = {"name", "sites", "townships", "budget_km", "days", "start"}


@dataclasses.dataclass(frozen=True)
class Team:
    """One patrol team: its name, area (sites and townships), a day's walking
    budget in km, the ISO weekdays it patrols and where its walks start (or None)."""

    name: str
    sites: tuple[str, ...]
    townships: tuple[str, ...]
    budget_km: float
    days: tuple[int, ...] = (1, 2, 3, 4, 5)
    start: tuple[float, float] | None = None


def _texts(value, what: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise PlanError(f"{what} should be a list of names, got {value!r}")
    return tuple(value)


def _team(entry, table: str, number: int) -> Team:
    where = f"{table} {number}"
    if not isinstance(entry, dict):
        raise PlanError(f"{where} should be a table of name, sites, budget_km …")
    unknown = sorted(set(entry) - _KEYS)
    if unknown:
        close = difflib.get_close_matches(unknown[0], sorted(_KEYS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise PlanError(
            f"{where}: unknown key {unknown[0]!r}{hint} (known: {', '.join(sorted(_KEYS))})"
        )
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise PlanError(f"{where}: name should be text of 1 to {MAX_NAME} characters")
    where = f"{table} {name!r}"
    sites = _texts(entry.get("sites", []), f"{where}: sites")
    townships = _texts(entry.get("townships", []), f"{where}: townships")
    if not sites and not townships:
        raise PlanError(f"{where}: name its area (sites or townships)")
    budget = entry.get("budget_km")
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not math.isfinite(budget):
        raise PlanError(f"{where}: budget_km should be a number of km, got {budget!r}")
    if not BUDGET_KM[0] <= budget <= BUDGET_KM[1]:
        raise PlanError(
            f"{where}: budget_km should be {BUDGET_KM[0]} to {BUDGET_KM[1]} km, got {budget!r}"
        )
    days = entry.get("days", [1, 2, 3, 4, 5])
    if (
        not isinstance(days, list)
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and 1 <= d <= 7 for d in days)
    ):
        raise PlanError(f"{where}: days should be weekdays 1 (Monday) to 7, got {days!r}")
    start = entry.get("start")
    if start is not None:
        ok = isinstance(start, list) and len(start) == 2
        ok = ok and all(isinstance(v, int | float) and not isinstance(v, bool) for v in start)
        if not ok or not (-180 <= start[0] <= 180 and -90 <= start[1] <= 90):
            raise PlanError(f"{where}: start should be [longitude, latitude], got {start!r}")
        start = (float(start[0]), float(start[1]))
    return Team(name.strip(), sites, townships, float(budget), tuple(sorted(set(days))), start)


def parse_teams(text: bytes, source: str = TEAMS_FILE) -> list[Team]:
    """The teams of a teams file's bytes, every value checked.

    Examples
    --------
    >>> teams = parse_teams(b'[[team]]\\nname = "KW"\\nsites = ["kewan"]\\nbudget_km = 5')
    >>> teams[0].budget_km, teams[0].days
    (5.0, (1, 2, 3, 4, 5))
    >>> parse_teams(b'[[team]]\\nname = "KW"\\nbudget_km = 5')
    Traceback (most recent call last):
    hailin.surveys.errors.PlanError: teams.toml: team 'KW': name its area (sites or townships)
    """
    if len(text) > MAX_TEAMS_BYTES:
        raise PlanError(
            f"{source}: larger than {MAX_TEAMS_BYTES // 1024} KiB; a teams file is small"
        )
    try:
        data = tomllib.loads(text.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise PlanError(f"{source}: not a UTF-8 TOML file ({error})") from None
    entries = data.get("team")
    if set(data) - {"team"} or not isinstance(entries, list) or not entries:
        raise PlanError(f"{source}: name the teams as [[team]] tables (and nothing else)")
    return teams_of(entries, f"{source}: team")


def teams_of(entries: list, table: str) -> list[Team]:
    """The teams of parsed TOML tables (a teams file's ``[[team]]`` or
    hailin.toml's ``[[plan.team]]``), every value checked.

    Examples
    --------
    >>> entry = {"name": "KW", "sites": ["kewan"], "budget_km": 5}
    >>> teams_of([entry], "hailin.toml: plan.team")[0].sites
    ('kewan',)
    >>> teams_of([{**entry, "budget": 5}], "hailin.toml: plan.team")
    Traceback (most recent call last):
    hailin.surveys.errors.PlanError: hailin.toml: plan.team 1: unknown key 'budget'; \
did you mean 'budget_km'? (known: budget_km, days, name, sites, start, townships)
    """
    if len(entries) > MAX_TEAMS:
        raise PlanError(f"{table}: more than {MAX_TEAMS} teams")
    teams = [_team(entry, table, number) for number, entry in enumerate(entries, start=1)]
    from hailin.surveys.io.routes import file_stem

    # Each team's files are named after it: two names must not give one file name.
    stems = [file_stem(team.name).casefold() for team in teams]
    if len(set(stems)) != len(stems):
        raise PlanError(f"{table}: two team names are the same once written as file names")
    return teams


def read_teams(path) -> list[Team]:
    """The teams of the file at ``path`` (at most :data:`MAX_TEAMS_BYTES`)."""
    name = os.path.basename(os.fspath(path))
    try:
        with open(path, "rb") as file:
            text = file.read(MAX_TEAMS_BYTES + 1)
    except FileNotFoundError:
        raise PlanError(f"{name}: no such teams file") from None
    except OSError as error:
        raise PlanError(f"{name}: cannot be read ({error.strerror})") from None
    return parse_teams(text, name)
