"""hailin.toml: the workspace settings, written with a comment on every key."""

import dataclasses
import tomllib
import zoneinfo

from surveys.errors import SettingsError

SETTINGS_FILE = "hailin.toml"
LANGUAGES = ("zh", "en")

TEMPLATE = """\
# hailin workspace settings. hailin reads this file on every run; edit freely.

# Language of maps, legends and exported headers: "zh" (中文) or "en" (English).
language = "{language}"

# Time zone in which times without an offset are read and in which days are counted.
timezone = "Asia/Shanghai"

[recurrence]
# A Spartina finding within this many metres of a cleared plot counts for that plot
# (allowance for phone and handheld GPS error).
tolerance_m = 10
# A re-cleared plot is verified clear after at least this many inspections, on
# different days, find no Spartina in it ...
verify_inspections = 2
# ... spread over at least this many days.
verify_days = 30

[targets]
# Spartina clearance target of the programme, in mu (15 mu = 1 ha).
clearance_mu = 1883
# Mangrove restoration (replanting) target, in mu.
restoration_mu = 1070

[import]
# Survey points further than this many kilometres from every site are flagged.
max_distance_km = 30
"""


@dataclasses.dataclass(frozen=True)
class Settings:
    """The values of hailin.toml, checked."""

    language: str = "zh"
    timezone: str = "Asia/Shanghai"
    tolerance_m: float = 10.0
    verify_inspections: int = 2
    verify_days: int = 30
    clearance_target_mu: float = 1883.0
    restoration_target_mu: float = 1070.0
    max_distance_km: float = 30.0


_KEYS = {
    ("language",): ("language", str),
    ("timezone",): ("timezone", str),
    ("recurrence", "tolerance_m"): ("tolerance_m", float),
    ("recurrence", "verify_inspections"): ("verify_inspections", int),
    ("recurrence", "verify_days"): ("verify_days", int),
    ("targets", "clearance_mu"): ("clearance_target_mu", float),
    ("targets", "restoration_mu"): ("restoration_target_mu", float),
    ("import", "max_distance_km"): ("max_distance_km", float),
}


def parse_settings(text, *, source=SETTINGS_FILE):
    """Settings from the text of a hailin.toml (missing keys take defaults)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{source}: not valid TOML ({error})") from error
    values = {}
    for path, (field, kind) in _KEYS.items():
        node = data
        for part in path:
            if not isinstance(node, dict) or part not in node:
                node = None
                break
            node = node[part]
        if node is None:
            continue
        key = ".".join(path)
        if kind is str and not isinstance(node, str):
            raise SettingsError(f"{source}: {key} should be text, got {node!r}")
        if kind in (int, float) and (isinstance(node, bool) or not isinstance(node, (int, float))):
            raise SettingsError(f"{source}: {key} should be a number, got {node!r}")
        if kind in (int, float) and node < 0:
            raise SettingsError(f"{source}: {key} should not be negative, got {node!r}")
        values[field] = kind(node)
    settings = Settings(**values)
    if settings.language not in LANGUAGES:
        raise SettingsError(f"{source}: language should be 'zh' or 'en', got {settings.language!r}")
    try:
        zoneinfo.ZoneInfo(settings.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as error:
        raise SettingsError(f"{source}: unknown timezone {settings.timezone!r}") from error
    return settings
