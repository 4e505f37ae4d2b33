"""A ranked plot's reasons in words, with the values that make them (除治后天数 35)."""

from hailin.surveys.schema import word

# Reasons shown by their name alone (a flag, the time of year, a baseline).
_NAME_ONLY = {"open_case", "season_sin", "season_cos", "previous_season"}
_DIGITS = {"compactness": 2, "area_mu": 1}


def reason_text(code: str, value, lang: str) -> str:
    """One reason in ``lang`` with its value.

    Examples
    --------
    >>> reason_text("days_since_clearance", 35.0, "zh"), reason_text("method", "刈割", "en")
    ('除治后天数 35', 'clearance method 刈割')
    """
    name = word("risk_reason", code, lang)
    if code in _NAME_ONLY or value is None:
        return name
    if isinstance(value, str):
        return f"{name} {value}"
    return f"{name} {value:.{_DIGITS.get(code, 0)}f}"


def reason_texts(row, lang: str) -> list[str]:
    """The reasons of one ranked plot (a row of ``rank_plots``, as a mapping).

    Examples
    --------
    >>> reason_texts({"reasons": ["past_cases"], "past_cases": 2.0}, "en")
    ['past recurrence cases 2']
    """
    return [reason_text(code, row.get(code), lang) for code in row["reasons"]]
