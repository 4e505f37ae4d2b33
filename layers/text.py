"""Words on maps and exports, in Chinese and English."""

TEXT = {
    "sites": {"zh": "保护区范围", "en": "Reserve boundaries"},
    "site": {"zh": "保护区", "en": "Reserve"},
    "township": {"zh": "乡镇", "en": "Township"},
    "area": {"zh": "面积", "en": "Area"},
    "mu": {"zh": "亩", "en": "mu"},
    "ha": {"zh": "公顷", "en": "ha"},
    "illustrative": {
        "zh": "示意范围，非官方边界",
        "en": "illustrative boundary, not official",
    },
    "legend": {"zh": "图例", "en": "Legend"},
    "overview_title": {"zh": "福鼎红树林保护区概览", "en": "Fuding mangrove reserves: overview"},
}


def text(key, lang):
    """The label ``key`` in ``lang`` ("zh" or "en")."""
    if lang not in ("zh", "en"):
        raise ValueError(f"lang should be 'zh' or 'en', got {lang!r}")
    return TEXT[key][lang]
