"""The canonical survey record and plots: their columns, kinds and vocabularies.

Patrol files name things in many ways; this module holds the one table of the
words hailin reads for each code, in Chinese and English.
"""

import dataclasses
import functools

from surveys.errors import VocabularyError

COLUMNS = [
    "record_id",
    "record_key",
    "upload_id",
    "source_row",
    "observed_at",
    "patrol_type",
    "team",
    "observer",
    "finding",
    "cover_pct",
    "patch_area_m2",
    "survival_pct",
    "action",
    "notes",
    "extra",
    "geometry",
]

# Store kinds of the columns (see surveys.store.SQL_TYPES).
KINDS = {
    "record_id": "text",
    "record_key": "integer",
    "upload_id": "text",
    "source_row": "integer",
    "observed_at": "datetime",
    "patrol_type": "text",
    "team": "text",
    "observer": "text",
    "finding": "text",
    "cover_pct": "real",
    "patch_area_m2": "real",
    "survival_pct": "real",
    "action": "text",
    "notes": "text",
    "extra": "text",
}


# -- the vocabulary ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Term:
    """One code of a vocabulary: the words it is shown with, its colour on maps,
    and the words read for it in patrol files.

    ``zh`` and ``en`` are the display words (None for the reader's own word
    roles, never shown); ``reads_zh`` and ``reads_en`` the words the readers
    take for it, the first of each named in messages (see :func:`allowed_words`).
    """

    vocabulary: str
    code: str
    zh: str | None = None
    en: str | None = None
    colour: str | None = None
    reads_zh: tuple[str, ...] = ()
    reads_en: tuple[str, ...] = ()


def _term(vocabulary, code, zh=None, en=None, colour=None, *, reads_zh="", reads_en=""):
    """A :class:`Term`; Chinese words read are space-separated, English ones comma-separated."""
    english = tuple(word.strip() for word in reads_en.split(",") if word.strip())
    return Term(vocabulary, code, zh, en, colour, tuple(reads_zh.split()), english)


# THE table of hailin's words: every code of every vocabulary with its Chinese and
# English display words and colour, in legend order, and the words read for it.
# Patrol types are looked up whole. Findings and actions are read as phrases by
# surveys.check.words.read_phrase(): a phrase is cut into the words read here, every
# part must be a known word, and the "word" rows say how the parts combine. Each word
# read appears once. Statuses and case kinds are hailin's own, shown but never read.
VOCABULARY = (
    # -- patrol types ----------------------------------------------------------------
    _term(
        "patrol_type", "contractor_daily", "施工单位日常巡护", "contractor daily patrol", "#1f78b4",
        reads_zh="施工单位日常巡护 施工单位日常巡查 施工单位 日常巡护 日常巡查 施工方",
        reads_en="contractor daily, contractor, daily",
    ),
    _term(
        "patrol_type", "township_patrol", "乡镇巡查队伍踏查", "township patrol team", "#33a02c",
        reads_zh="乡镇巡查队伍踏查 乡镇巡查队伍 乡镇巡查 乡镇踏查 踏查 乡镇",
        reads_en="township patrol, township",
    ),
    _term(
        "patrol_type", "city_joint", "市级专班联合巡护", "city joint patrol", "#ff7f00",
        reads_zh="市级专班联合巡护 市级联合巡护 市级专班 联合巡护 联合巡查 市级",
        reads_en="city joint, city, joint",
    ),
    _term(
        "patrol_type", "digital_monitoring", "数字化监测预警", "digital monitoring", "#6a3d9a",
        reads_zh="数字化监测预警 数字化监测 无人机 遥感 监测预警",
        reads_en="digital monitoring, digital, drone, uav, remote sensing",
    ),
    # -- findings: a Spartina, damage or harvest finding under a negation reads "clear"
    _term(
        "finding", "spartina_regrowth", "复萌", "Spartina regrowth",
        reads_zh="复萌 复发 再生 萌发 复生 返青 重新萌发 重新长出",
        reads_en="regrowth, regrown, regrew, recurrence, resprouting, resprouted",
    ),
    _term(
        "finding", "spartina_new", "新发", "new Spartina",
        reads_zh="新发 新增 新发现 新长出", reads_en="new, new infestation, newinfestation",
    ),
    # Read from its parts (已 + 清除, removed): a removal that names no other finding.
    _term(
        "finding", "spartina_removed", "已清除", "Spartina removed",
        reads_zh="已清除 已拔除", reads_en="removed, cleared",
    ),
    _term(
        "finding", "mangrove_damage", "红树林破坏", "mangrove damage",
        reads_zh="破坏 毁林 毁坏 损毁 损坏 受损 砍伐",
        reads_en="damage, damaged, destroyed, felled, mangrove damage",
    ),
    _term(
        "finding", "seedling_harvest", "采摘秋茄苗", "seedling harvest",
        reads_zh="采摘秋茄苗 采摘 采苗 采挖 盗挖",
        reads_en="harvest, seedling harvest, harvesting, harvested, picking",
    ),
    _term(
        "finding", "planting_check", "种植成活检查", "planting check",
        reads_zh="种植成活检查 成活检查 成活率检查 成活率 成活情况 成活 种植检查",
        reads_en="planting check, survival check, survivalcheck, survival",
    ),
    _term(
        "finding", "clear", "未见异常", "nothing found",
        reads_zh="未见异常 正常", reads_en="clear, ok, normal, all clear, nothing to report",
    ),
    # -- actions -------------------------------------------------------------------------
    _term(
        "action", "removed", "已清除", "removed",
        reads_zh="清除 拔除 铲除 挖除 割除 刈割 清理 除治 根除 处理 处置",
        reads_en="removed, remove, removal, cleared, pulled, uprooted, eradicated, dug out",
    ),
    _term(
        "action", "reported", "已上报", "reported",
        reads_zh="上报 报告 报送 通报", reads_en="reported, report, notified",
    ),
    # Read from its parts: a bare negation (无), or an action negated (未处理 not done,
    # 待处理 pending). Pending is "none": nothing was done on the spot and reporting is
    # not implied; it is never a removal. A placeholder ("-", "/") is a blank.
    _term(
        "action", "none", "未处理", "no action",
        reads_zh="无 未处理 待处理", reads_en="none, not removed, pending",
    ),
    # -- statuses of a clearance plot and of its recurrence cases ------------------------
    _term("status", "clean", "已除治，未见复萌", "cleared, clean", "#1a9850"),
    _term("status", "open", "复萌未处置", "recurrence open", "#d73027"),
    _term("status", "re_cleared", "已再次清除", "re-cleared", "#fdae61"),
    _term("status", "verified_clear", "已核验清除", "verified clear", "#4575b4"),
    # -- what a recurrence case is about -------------------------------------------------
    _term("case_kind", "recurrence", "复萌", "Recurrence"),
    _term("case_kind", "new_infestation", "新发图斑", "New infestations"),
    # -- how the words of a phrase combine -----------------------------------------------
    # Negation: covers the term after it (未见复萌), or the term before it when
    # nothing follows in its clause (清除未完成); alone it means "nothing" (无).
    _term(
        "word", "not",
        reads_zh="未 没有 没 无 不 非 尚未 并未 仍未 还未 暂未 未能 无法 不能 无需 无须 不需 "
        "不用 未见 不见 未发现 未找到 未查见",
        reads_en="not, no, none, nothing, without, never, neither",
    ),
    # Not yet done: like a negation, but only of an action, and alone it means
    # nothing was done (action none), never "clear".
    _term(
        "word", "pending",
        reads_zh="待 尚待 有待 等待 拟 计划 准备 安排 正在",
        reads_en="pending, awaiting, to be, scheduled",
    ),
    # Spartina itself: negated it reads clear (未见互花米草); alone it does not say
    # whether it is regrowth or new, so it is refused.
    _term(
        "word", "spartina",
        reads_zh="互花米草 米草 大米草 互米", reads_en="spartina, spartina alterniflora, cordgrass",
    ),
    # Something unnamed: negated it reads clear (无异常); alone it is refused.
    _term(
        "word", "anomaly",
        reads_zh="异常 问题 异样",
        reads_en="anomaly, anomalies, unusual, problem, problems, issue, issues",
    ),
    # A list of terms: a negation covers every term of it (未见复萌及新发).
    _term("word", "and", reads_zh="及 和 与 或 、 以及 或者", reads_en="or, nor"),
    # Two statements: the second is not negated by the first (未清除，但已上报).
    _term("word", "also", reads_zh="并 并且 且 同时 但 但是 + &", reads_en="and, but, then, also"),
    # Words that add nothing to the finding or action: time, manner, place,
    # quantity, the mangroves named, the finding's "found".
    _term(
        "word", "filler",
        reads_zh="已 已经 均已 现已 业已 都 均 全部 全 彻底 干净 完毕 完成 完 了 的 地 "
        "发现 见 可见 见到 看到 看见 观察到 查见 查到 监测到 有 存在 出现 受 受到 被 遭 遭到 "
        "造成 对 把 现场 当场 就地 及时 立即 当即 马上 人工 机械 点 点位 处 斑块 图斑 植株 株 "
        "丛 片 块 地块 区域 范围 现象 情况 约 大约 左右 面积 盖度 一切 目前 本次 红树林 红树 "
        "秋茄 秋茄苗 苗 苗木 白骨壤 桐花树 无人机 巡查 巡护 复查 有人 人员 林业站 林业局 "
        "管理站 管理处 保护区 专班 明显 少量 大量 零星 零散 良好 成片",
        reads_en="found, seen, observed, detected, spotted, noticed, there, is, are, was, were, "
        "be, been, has, have, had, a, an, the, of, on, at, in, by, to, spot, site, patch, "
        "patches, plant, plants, clump, clumps, area, cover, about, approx, approximately, "
        "around, roughly, yet, already, all, fully, completely, entirely, immediately, "
        "manually, hand, now, any, sign, signs, infestation, point, points, mangrove, "
        "mangroves, seedling, seedlings, kandelia, m, sqm, sq, ha, mu, cm, percent, out",
    ),
)  # fmt: skip

# The words read, by row: (vocabulary, code, Chinese words, English words).
WORDS = tuple(
    (term.vocabulary, term.code, term.reads_zh, term.reads_en)
    for term in VOCABULARY
    if term.reads_zh or term.reads_en
)
_DISPLAYED = {(term.vocabulary, term.code): term for term in VOCABULARY if term.zh}


def _vocabulary(name):
    return {code: (*zh, *en) for vocabulary, code, zh, en in WORDS if vocabulary == name}


# Code -> its words, by vocabulary (views of WORDS).
PATROL_TYPES = _vocabulary("patrol_type")
FINDINGS = _vocabulary("finding")
ACTIONS = _vocabulary("action")

# -- plots -------------------------------------------------------------------------------
PLOT_KINDS = ("clearance", "restoration")
DATE_COLUMN = {"clearance": "cleared_on", "restoration": "planted_on"}

# Store kinds of the plot layers' columns: the same frame around each kind's own fields.
_OWN_FIELDS = {
    "clearance": {"cleared_on": "date", "method": "text", "contractor": "text"},
    "restoration": {"planted_on": "date", "species": "text", "funding": "text"},
}
PLOT_COLUMNS = {
    kind: {
        "plot_id": "text",
        "site": "text",
        "township": "text",
        **own,
        "declared_area_mu": "real",
        "area_mu": "real",
        "area_ha": "real",
        "notes": "text",
        "extra": "text",
        "upload_id": "text",
        "source_row": "integer",
    }
    for kind, own in _OWN_FIELDS.items()
}
# What each kind of plot holds besides its place, date and area.
TEXT_FIELDS = {"clearance": ("method", "contractor"), "restoration": ("species", "funding")}


@functools.cache
def allowed_words(vocabulary):
    """The codes of a vocabulary with their Chinese and English names, for messages.

    Examples
    --------
    >>> allowed_words("action")[:33]
    'removed (清除, removed), reported ('
    """
    names = ", ".join(f"{code} ({zh[0]}, {en[0]})" for v, code, zh, en in WORDS if v == vocabulary)
    if vocabulary == "finding":
        names += "; negated with 未, 没有, 无, 不, not, no; an action may follow (复萌已清除)"
    return names


def word(vocabulary: str, code, lang: str) -> str:
    """A code in words, in ``lang`` ("zh" or "en"); a code the vocabulary does
    not have (or None) comes back as it is.

    Examples
    --------
    >>> word("status", "re_cleared", "zh"), word("patrol_type", "city_joint", "en")
    ('已再次清除', 'city joint patrol')
    >>> word("finding", "something_else", "en")
    'something_else'
    """
    if lang not in ("zh", "en"):
        raise VocabularyError(f"lang should be 'zh' or 'en', got {lang!r}")
    term = _DISPLAYED.get((vocabulary, code))
    if term is None:
        return code
    return term.zh if lang == "zh" else term.en


def codes(vocabulary: str) -> tuple[str, ...]:
    """The codes of a vocabulary, in legend order.

    Examples
    --------
    >>> codes("status")
    ('clean', 'open', 're_cleared', 'verified_clear')
    """
    found = tuple(term.code for term in VOCABULARY if term.vocabulary == vocabulary)
    if not found:
        raise VocabularyError(f"no vocabulary {vocabulary!r}")
    return found


def colours(vocabulary: str) -> dict[str, str]:
    """{code: colour} of a vocabulary's coloured codes, in legend order.

    Examples
    --------
    >>> colours("status")["open"]
    '#d73027'
    """
    return {
        term.code: term.colour
        for term in VOCABULARY
        if term.vocabulary == vocabulary and term.colour
    }
