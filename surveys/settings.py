"""hailin.toml: the workspace settings, written with a comment on every key.

Every value is checked on load (kind, finite, range) and an unknown key is
refused with the known ones listed: a misspelt key would otherwise leave its
check at the default without a word. The file may be UTF-8 (with or without
a byte order mark), UTF-16 with a byte order mark, or GB18030/GBK, as Windows
editors save it.
"""

import dataclasses
import datetime
import difflib
import re
import tomllib
import zoneinfo

from hailin.surveys.errors import SettingsError
from hailin.surveys.limits import LIMITS, toml_nesting
from hailin.surveys.settingkeys import Key, checked
from hailin.surveys.targets import WORKS, Targets, parse_targets
from hailin.surveys.timezone import DEFAULT_TIMEZONE

SETTINGS_FILE = "hailin.toml"
LANGUAGES = ("zh", "en")
MAX_SETTINGS_BYTES = 1 << 20

TEMPLATE = f"""\
# hailin workspace settings. hailin reads this file on every run; edit freely.

# Language of maps, legends and exported headers: "zh" (中文) or "en" (English).
language = "{{language}}"

# Time zone in which times without an offset are read and in which days are counted.
timezone = "{DEFAULT_TIMEZONE}"

[recurrence]
# A Spartina finding within this many metres of a cleared plot counts for that plot
# (allowance for phone and handheld GPS error; more than 0, at most 1000).
tolerance_m = 10
# A re-cleared plot is verified clear after at least this many inspections, on
# different days, find no Spartina in it (a whole number, 1 to 1000) ...
verify_inspections = 2
# ... spread over at least this many days (a whole number, 0 to 3650).
verify_days = 30

[targets]
# Spartina clearance target of the programme, in mu (15 mu = 1 ha).
clearance_mu = 1883
# Mangrove restoration (replanting) target, in mu.
restoration_mu = 1070
# Targets by year, month (YYYY-MM) and township may follow, in mu, for clearance
# and for restoration; a township's target is one number for the whole programme
# or one per year. For example:
# [targets.clearance.by_year]
# 2023 = 1883
# [targets.clearance.by_month]
# 2023-04 = 1883
# [targets.clearance.by_township]
# "前岐镇" = 700
# "店下镇" = {{{{ 2023 = 500, 2024 = 100 }}}}

[import]
# Survey points further than this many kilometres from every site are refused
# (more than 0, at most 2000).
max_distance_km = 30
# Rows dated before this day are refused as implausible (a TOML date, no quotes).
earliest_date = 1990-01-01
# Rows dated after this day are refused too; without it, after tomorrow.
# latest_date = 2030-12-31

[as_of]
# Figures "as of" a day (progress, ledger, export, report, the maps' months) count
# what the store held at its end: records observed AND uploaded by then. Uploads made
# by the end of this day are the earlier record entered at once (paper ledgers or
# spreadsheets of past years imported when the workspace began): as of any day they
# count from when they were observed. A TOML date, no quotes; without it, the day of
# the workspace's first upload.
# history_until = 2024-12-31

[maps]
# Tianditu (天地图) key for the Tianditu basemaps: a browser key from
# https://console.tianditu.gov.cn (letters and digits). Without it (or $TIANDITU_KEY)
# the maps offer Gaode, OpenStreetMap and Esri basemaps only. The key is written into
# every map file that offers Tianditu.
# tianditu_key = ""

[raster]
# What the pixel values of classified rasters (drone orthomosaics) mean, for
# `hailin raster` and raster layers on maps when --classes is not given: VALUE=NAME
# items. Names are letters, digits or underscores; mangrove, spartina, mudflat and
# water have colours already.
# classes = "1=mangrove,2=spartina,3=mudflat,4=water"
# Colours of other classes on maps, by name, in a table of their own:
# [raster.colours]
# reed = "#984ea3"

[report]
# The issuing office printed in the monthly report's header (one line, at most 40
# characters), e.g. "福鼎市林业局".
# office = ""

# Patrol teams for `hailin plan` (without teams.toml, or with --teams settings), one
# [[plan.team]] each: name, sites and/or townships, budget_km (a day's walk, 0.1 to 60),
# days (ISO weekdays, default 1-5) and start ([lon, lat]), as in a teams.toml:
# [[plan.team]]
# name = "前岐镇巡查队"
# sites = ["kewan"]
# budget_km = 6
"""

# Dates a setting may name: inside what a timestamp can hold, with room to spare.
_FIRST_DATE = datetime.date(1900, 1, 1)
_LAST_DATE = datetime.date(2200, 12, 31)
# A Tianditu key goes into tile URLs: letters and digits only (keys are 32 hex digits).
TIANDITU_KEY_PATTERN = re.compile("[0-9A-Za-z]{16,64}")


def with_history_until(text: str, day: datetime.date) -> str:
    """The text of a hailin.toml made from :data:`TEMPLATE` with ``[as_of]
    history_until`` set to ``day`` (the earlier record entered at once by then).

    Examples
    --------
    >>> text = with_history_until(TEMPLATE.format(language="zh"), datetime.date(2024, 12, 31))
    >>> parse_settings(text).history_until
    datetime.date(2024, 12, 31)
    """
    line = re.compile(r"^# history_until = .*$", re.MULTILINE)
    if line.search(text) is None:
        raise SettingsError("hailin.toml has no [as_of] history_until line to set")
    return line.sub(f"history_until = {day.isoformat()}", text, count=1)


def tianditu_key_problem(key):
    """What is wrong with a Tianditu key, or ``None``.

    Examples
    --------
    >>> tianditu_key_problem("0123456789abcdef0123456789abcdef") is None
    True
    >>> tianditu_key_problem("abc&x=1")
    'should be 16 to 64 letters or digits, as Tianditu gives them'
    """
    if TIANDITU_KEY_PATTERN.fullmatch(key) is None:
        return "should be 16 to 64 letters or digits, as Tianditu gives them"
    return None


@dataclasses.dataclass(frozen=True)
class Settings:
    """The values of hailin.toml, checked (see :func:`parse_settings`).

    Examples
    --------
    >>> settings = parse_settings(b"language = 'en'\\nrecurrence = { verify_days = 60 }")
    >>> settings.language, settings.verify_days, settings.timezone, settings.clearance_target_mu
    ('en', 60, 'Asia/Shanghai', 1883.0)
    >>> parse_settings(b"recurrence = { verify_days = -1 }")
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SettingsError: hailin.toml: recurrence.verify_days should not be negative (allowed: a whole number, from 0 to 3650 days; got -1)
    """

    language: str = "zh"
    timezone: str = DEFAULT_TIMEZONE
    tolerance_m: float = 10.0
    verify_inspections: int = 2
    verify_days: int = 30
    clearance_target_mu: float = 1883.0
    restoration_target_mu: float = 1070.0
    max_distance_km: float = 30.0
    earliest_date: datetime.date = datetime.date(1990, 1, 1)
    latest_date: datetime.date | None = None  # None: tomorrow, whenever it is read
    tianditu_key: str | None = None
    # [raster]: ((pixel value, class name), ...) and ((class name, "#rrggbb"), ...)
    raster_classes: tuple[tuple[int, str], ...] | None = None
    raster_colours: tuple[tuple[str, str], ...] = ()
    # [report] office: the issuing office in the monthly report's header.
    report_office: str | None = None
    # [as_of] history_until: uploads made by this day's end count as of when observed
    # (None: the first upload's day, surveys.asof.history_day).
    history_until: datetime.date | None = None
    # Targets by year, month and township (surveys.targets); the totals are the two above.
    targets: Targets = dataclasses.field(default_factory=Targets)
    plan_teams: tuple = ()  # [[plan.team]]: surveys.plan.teams.Team for `hailin plan`


_KEYS = {
    ("language",): Key("language", str),
    ("timezone",): Key("timezone", str),
    ("recurrence", "tolerance_m"): Key("tolerance_m", float, 0, 1000, True, "metres"),
    ("recurrence", "verify_inspections"): Key("verify_inspections", int, 1, 1000),
    ("recurrence", "verify_days"): Key("verify_days", int, 0, 3650, unit="days"),
    ("targets", "clearance_mu"): Key("clearance_target_mu", float, 0, unit="mu"),
    ("targets", "restoration_mu"): Key("restoration_target_mu", float, 0, unit="mu"),
    ("import", "max_distance_km"): Key("max_distance_km", float, 0, 2000, True, "km"),
    ("import", "earliest_date"): Key("earliest_date", datetime.date, _FIRST_DATE, _LAST_DATE),
    ("import", "latest_date"): Key("latest_date", datetime.date, _FIRST_DATE, _LAST_DATE),
    ("maps", "tianditu_key"): Key("tianditu_key", str),
    ("raster", "classes"): Key("raster_classes", dict),
    ("raster", "colours"): Key("raster_colours", dict),
    ("report", "office"): Key("report_office", str),
    ("as_of", "history_until"): Key("history_until", datetime.date, _FIRST_DATE, _LAST_DATE),
    ("plan", "team"): Key("plan_teams", list),
}
MAX_OFFICE_CHARS = 40
_TABLES = {path[0] for path in _KEYS if len(path) > 1}
# Tables read by surveys.targets (their own keys checked there).
_SUBTABLES = {f"targets.{work}" for work in WORKS}


def decode_settings(data, *, source=SETTINGS_FILE):
    """The text of a hailin.toml from its bytes: UTF-8 (a byte order mark is
    dropped), UTF-16 with a byte order mark, else GB18030 (which GBK is part of).

    Examples
    --------
    >>> decode_settings("\\ufefflanguage = 'en'".encode("utf-8"))
    "language = 'en'"
    >>> decode_settings("# 设置\\nlanguage = 'zh'".encode("gbk"))
    "# 设置\\nlanguage = 'zh'"
    """
    if len(data) > MAX_SETTINGS_BYTES:
        raise SettingsError(
            f"{source}: {len(data):,} bytes, more than a settings file can be "
            f"(limit {MAX_SETTINGS_BYTES:,})"
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings: tuple[str, ...] = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SettingsError(
        f"{source}: the text is neither UTF-8, UTF-16 nor GBK/GB18030; save it as UTF-8"
    )


def _unknown_keys(data, source):
    """Refuse keys hailin does not know, naming the closest known one."""
    known = [".".join(path) for path in _KEYS] + sorted(_SUBTABLES)
    found: list[str] = []
    for key, value in data.items():
        if isinstance(value, dict) and key in _TABLES:
            found.extend(f"{key}.{inner}" for inner in value)
        elif isinstance(value, dict):
            close = difflib.get_close_matches(key, sorted(_TABLES), n=1)
            hint = f"; did you mean [{close[0]}]?" if close else ""
            raise SettingsError(
                f"{source}: unknown table [{key}]{hint} (known: "
                f"{', '.join(f'[{t}]' for t in sorted(_TABLES))})"
            )
        else:
            found.append(key)
    for key in found:
        if key in known:
            continue
        # The right key in the wrong table, else the closest spelling.
        last = key.rsplit(".", 1)[-1]
        close = [k for k in known if k.rsplit(".", 1)[-1] == last]
        close = close or difflib.get_close_matches(key, known, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise SettingsError(f"{source}: unknown setting {key!r}{hint} (known: {', '.join(known)})")


def _raster_section(values, source):
    """[raster] classes and colours, checked as the raster commands read them."""
    # geo.raster.classes is plain Python; the package loads GDAL only on use.
    from hailin.geo.errors import RasterError
    from hailin.geo.raster.classes import normalize_colour, parse_classes

    out: dict[str, object] = {}
    try:
        if "raster_classes" in values:
            out["raster_classes"] = tuple(parse_classes(values["raster_classes"]).items())
        colours = values.get("raster_colours", {})
        if isinstance(colours, str):
            raise RasterError('colours should be a table of class name = "#rrggbb"')
        out["raster_colours"] = tuple(
            (str(name).strip().lower(), normalize_colour(colour))
            for name, colour in colours.items()
        )
    except RasterError as error:
        raise SettingsError(f"{source}: [raster] {error}") from None
    return out


def _plan_teams(entries, source):
    """[[plan.team]], checked by the one team parser (surveys.plan.teams)."""
    from hailin.surveys.errors import PlanError
    from hailin.surveys.plan.teams import teams_of

    try:
        return tuple(teams_of(entries, f"{source}: plan.team"))
    except PlanError as error:
        raise SettingsError(str(error)) from None


def parse_settings(text, *, source=SETTINGS_FILE):
    """Settings from the text (or bytes) of a hailin.toml; missing keys take defaults.

    Raises :class:`~surveys.errors.SettingsError` naming the key and its
    allowed range for a value of the wrong kind, not finite, or out of range,
    and for an unknown key.

    Examples
    --------
    >>> parse_settings("[recurrence]\\ntolerance_m = 15").tolerance_m
    15.0
    >>> parse_settings("[recurrence]\\ntolerance_m = nan")
    Traceback (most recent call last):
    ...
    hailin.surveys.errors.SettingsError: hailin.toml: recurrence.tolerance_m should be a finite number \
(allowed: a number, more than 0, up to 1000 metres; got nan)
    """
    if isinstance(text, bytes | bytearray):
        text = decode_settings(bytes(text), source=source)
    if (depth := toml_nesting(text)) > LIMITS.settings_depth:
        raise SettingsError(
            f"{source}: values nested {depth:,} deep (limit {LIMITS.settings_depth})"
        )
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError) as error:
        raise SettingsError(f"{source}: not valid TOML ({error})") from error
    _unknown_keys(data, source)
    values = {}
    for path, key in _KEYS.items():
        node: object = data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if node is None:
            continue
        values[key.field] = checked(".".join(path), key, node, source)
    if values.get("tianditu_key") is not None:
        values["tianditu_key"] = values["tianditu_key"].strip() or None
        problem = values["tianditu_key"] and tianditu_key_problem(values["tianditu_key"])
        if problem:
            raise SettingsError(f"{source}: maps.tianditu_key {problem}")
    values.update(_raster_section(values, source))
    if "plan_teams" in values:
        values["plan_teams"] = _plan_teams(values["plan_teams"], source)
    if values.get("report_office") is not None:
        office = values["report_office"] = values["report_office"].strip() or None
        if office and (len(office) > MAX_OFFICE_CHARS or not office.isprintable()):
            raise SettingsError(
                f"{source}: report.office should be one line of at most {MAX_OFFICE_CHARS} "
                f"characters, the office's name (got {office[:60]!r})"
            )
    totals = {
        "clearance": values.get("clearance_target_mu", Settings.clearance_target_mu),
        "restoration": values.get("restoration_target_mu", Settings.restoration_target_mu),
    }
    values["targets"] = parse_targets(data.get("targets", {}), totals, source)
    settings = Settings(**values)
    if settings.language not in LANGUAGES:
        raise SettingsError(f"{source}: language should be 'zh' or 'en', got {settings.language!r}")
    try:
        zoneinfo.ZoneInfo(settings.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"{source}: unknown timezone {settings.timezone!r}") from error
    latest = settings.latest_date or datetime.date.today() + datetime.timedelta(days=1)
    if settings.earliest_date >= latest:
        raise SettingsError(
            f"{source}: import.earliest_date ({settings.earliest_date}) should come before "
            f"import.latest_date ({'tomorrow, ' if settings.latest_date is None else ''}{latest})"
        )
    return settings
