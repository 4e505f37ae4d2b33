"""One setting of hailin.toml: its kind and allowed range, and a value checked
against them (a :class:`~hailin.surveys.errors.SettingsError` naming the range)."""

import dataclasses
import datetime
import math

from hailin.surveys.errors import SettingsError


@dataclasses.dataclass(frozen=True)
class Key:
    """One setting: its field, kind and allowed range (None: unbounded)."""

    field: str
    kind: type
    low: object = None
    high: object = None
    low_open: bool = False  # low itself not allowed
    unit: str = ""

    def allowed(self):
        """The allowed range in words, e.g. 'a number, more than 0, up to 1000 metres'."""
        noun = {
            str: "text",
            float: "a number",
            int: "a whole number",
            datetime.date: "a date like 1990-01-01",
            dict: "text or a table",
            list: "[[plan.team]] tables",
        }[self.kind]
        if self.low is not None and self.high is not None:
            bounds = (
                f"more than {self.low}, up to {self.high}"
                if self.low_open
                else f"from {self.low} to {self.high}"
            )
        elif self.low is not None:
            bounds = f"more than {self.low}" if self.low_open else f"{self.low} or more"
        else:
            bounds = ""
        unit = f" {self.unit}" if self.unit and bounds else ""
        return f"{noun}{', ' + bounds if bounds else ''}{unit}"


def checked(key_name, key, value, source):
    """``value`` converted to the key's kind, or a SettingsError naming the range."""

    def refuse(problem):
        shown = str(value) if isinstance(value, datetime.date) else repr(value)
        raise SettingsError(
            f"{source}: {key_name} {problem} (allowed: {key.allowed()}; got {shown})"
        )

    if key.kind is str:
        if not isinstance(value, str):
            refuse("should be text")
        return value
    if key.kind is dict:
        if not isinstance(value, dict | str):
            refuse("should be a table or text")
        return value
    if key.kind is list:
        if not isinstance(value, list) or not value:
            refuse("should be one or more [[plan.team]] tables")
        return value
    if key.kind is datetime.date:
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value.strip())
            except ValueError:
                refuse("should be a date")
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            refuse("should be a date")
        if not key.low <= value <= key.high:
            refuse("is out of range")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        refuse("should be a number")
    if isinstance(value, float) and not math.isfinite(value):
        refuse("should be a finite number")
    if key.kind is int:
        if value != int(value):
            refuse("should be a whole number")
        value = int(value)
    if key.low is not None and (value <= key.low if key.low_open else value < key.low):
        refuse("should not be negative" if value < 0 <= key.low else "is too small")
    if key.high is not None and value > key.high:
        refuse("is too large")
    return key.kind(value)
