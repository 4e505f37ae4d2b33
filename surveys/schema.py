"""The canonical survey record: its columns, vocabularies and header names.

Patrol files name things in many ways; this module says which header means
which column and which word means which value, in Chinese and English.
"""

import dataclasses
import functools
import re
import unicodedata

import numpy as np
import pandas as pd

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

# -- words -------------------------------------------------------------------------------
# The one table of the words hailin reads in patrol files: (vocabulary, code, Chinese
# words, English words). The first word of each language is the name shown to users.
# Patrol types are looked up whole. Findings and actions are read as phrases by
# read_phrase(): a phrase is cut into the words of this table, every part must be a
# known word, and the "word" rows say how the parts combine. Each word appears once.
WORDS = (
    # -- patrol types ----------------------------------------------------------------
    (
        "patrol_type",
        "contractor_daily",
        ("施工单位日常巡护", "施工单位日常巡查", "施工单位", "日常巡护", "日常巡查", "施工方"),
        ("contractor daily", "contractor", "daily"),
    ),
    (
        "patrol_type",
        "township_patrol",
        ("乡镇巡查队伍踏查", "乡镇巡查队伍", "乡镇巡查", "乡镇踏查", "踏查", "乡镇"),
        ("township patrol", "township"),
    ),
    (
        "patrol_type",
        "city_joint",
        ("市级专班联合巡护", "市级联合巡护", "市级专班", "联合巡护", "联合巡查", "市级"),
        ("city joint", "city", "joint"),
    ),
    (
        "patrol_type",
        "digital_monitoring",
        ("数字化监测预警", "数字化监测", "无人机", "遥感", "监测预警"),
        ("digital monitoring", "digital", "drone", "uav", "remote sensing"),
    ),
    # -- findings: a Spartina, damage or harvest finding under a negation reads "clear"
    (
        "finding",
        "spartina_regrowth",
        ("复萌", "复发", "再生", "萌发", "复生", "返青", "重新萌发", "重新长出"),
        ("regrowth", "regrown", "regrew", "recurrence", "resprouting", "resprouted"),
    ),
    (
        "finding",
        "spartina_new",
        ("新发", "新增", "新发现", "新长出"),
        ("new", "new infestation", "newinfestation"),
    ),
    # Read from its parts (已 + 清除, removed): a removal that names no other finding.
    ("finding", "spartina_removed", ("已清除", "已拔除"), ("removed", "cleared")),
    (
        "finding",
        "mangrove_damage",
        ("破坏", "毁林", "毁坏", "损毁", "损坏", "受损", "砍伐"),
        ("damage", "damaged", "destroyed", "felled", "mangrove damage"),
    ),
    (
        "finding",
        "seedling_harvest",
        ("采摘秋茄苗", "采摘", "采苗", "采挖", "盗挖"),
        ("harvest", "seedling harvest", "harvesting", "harvested", "picking"),
    ),
    (
        "finding",
        "planting_check",
        ("种植成活检查", "成活检查", "成活率检查", "成活率", "成活情况", "成活", "种植检查"),
        ("planting check", "survival check", "survivalcheck", "survival"),
    ),
    (
        "finding",
        "clear",
        ("未见异常", "正常"),
        ("clear", "ok", "normal", "all clear", "nothing to report"),
    ),
    # -- actions -------------------------------------------------------------------------
    (
        "action",
        "removed",
        (
            "清除",
            "拔除",
            "铲除",
            "挖除",
            "割除",
            "刈割",
            "清理",
            "除治",
            "根除",
            "处理",
            "处置",
        ),
        ("removed", "remove", "removal", "cleared", "pulled", "uprooted", "eradicated", "dug out"),
    ),
    ("action", "reported", ("上报", "报告", "报送", "通报"), ("reported", "report", "notified")),
    # Read from its parts: a bare negation (无), or an action negated (未处理 not done,
    # 待处理 pending). Pending is "none": nothing was done on the spot and reporting is
    # not implied; it is never a removal. A placeholder ("-", "/") is a blank.
    ("action", "none", ("无", "未处理", "待处理"), ("none", "not removed", "pending")),
    # -- how the words of a phrase combine -----------------------------------------------
    # Negation: covers the term after it (未见复萌), or the term before it when
    # nothing follows in its clause (清除未完成); alone it means "nothing" (无).
    (
        "word",
        "not",
        (
            "未",
            "没有",
            "没",
            "无",
            "不",
            "非",
            "尚未",
            "并未",
            "仍未",
            "还未",
            "暂未",
            "未能",
            "无法",
            "不能",
            "无需",
            "无须",
            "不需",
            "不用",
            "未见",
            "不见",
            "未发现",
            "未找到",
            "未查见",
        ),
        ("not", "no", "none", "nothing", "without", "never", "neither"),
    ),
    # Not yet done: like a negation, but only of an action, and alone it means
    # nothing was done (action none), never "clear".
    (
        "word",
        "pending",
        ("待", "尚待", "有待", "等待", "拟", "计划", "准备", "安排", "正在"),
        ("pending", "awaiting", "to be", "scheduled"),
    ),
    # Spartina itself: negated it reads clear (未见互花米草); alone it does not say
    # whether it is regrowth or new, so it is refused.
    (
        "word",
        "spartina",
        ("互花米草", "米草", "大米草", "互米"),
        ("spartina", "spartina alterniflora", "cordgrass"),
    ),
    # Something unnamed: negated it reads clear (无异常); alone it is refused.
    (
        "word",
        "anomaly",
        ("异常", "问题", "异样"),
        ("anomaly", "anomalies", "unusual", "problem", "problems", "issue", "issues"),
    ),
    # A list of terms: a negation covers every term of it (未见复萌及新发).
    ("word", "and", ("及", "和", "与", "或", "、", "以及", "或者"), ("or", "nor")),
    # Two statements: the second is not negated by the first (未清除，但已上报).
    (
        "word",
        "also",
        ("并", "并且", "且", "同时", "但", "但是", "+", "&"),
        ("and", "but", "then", "also"),
    ),
    # Words that add nothing to the finding or action: time, manner, place,
    # quantity, the mangroves named, the finding's "found".
    (
        "word",
        "filler",
        (
            *("已", "已经", "均已", "现已", "业已", "都", "均", "全部", "全", "彻底", "干净"),
            *("完毕", "完成", "完", "了", "的", "地"),
            *("发现", "见", "可见", "见到", "看到", "看见", "观察到", "查见", "查到"),
            *("监测到", "有", "存在", "出现", "受", "受到", "被", "遭", "遭到", "造成", "对"),
            *("把", "现场", "当场", "就地", "及时", "立即", "当即", "马上", "人工", "机械"),
            *("点", "点位", "处", "斑块", "图斑", "植株", "株", "丛", "片", "块", "地块"),
            *("区域", "范围", "现象", "情况", "约", "大约", "左右", "面积", "盖度", "一切"),
            *("目前", "本次", "红树林", "红树", "秋茄", "秋茄苗", "苗", "苗木", "白骨壤"),
            *("桐花树", "无人机", "巡查", "巡护", "复查", "有人", "人员", "林业站", "林业局"),
            *("管理站", "管理处", "保护区", "专班", "明显", "少量", "大量", "零星", "零散"),
            *("良好",),
            *("成片",),
        ),
        (
            *("found", "seen", "observed", "detected", "spotted", "noticed", "there", "is"),
            *("are", "was", "were", "be", "been", "has", "have", "had", "a", "an", "the"),
            *("of", "on", "at", "in", "by", "to", "spot", "site", "patch", "patches"),
            *("plant", "plants", "clump", "clumps", "area", "cover", "about", "approx"),
            *("approximately", "around", "roughly", "yet", "already", "all", "fully"),
            *("completely", "entirely", "immediately", "manually", "hand", "now", "any"),
            *("sign", "signs", "infestation", "point", "points", "mangrove", "mangroves"),
            *("seedling", "seedlings", "kandelia", "m", "sqm", "sq", "ha", "mu", "cm"),
            *("percent", "out"),
        ),
    ),
)


def _vocabulary(name):
    return {code: (*zh, *en) for vocabulary, code, zh, en in WORDS if vocabulary == name}


# Code -> its words, by vocabulary (views of WORDS).
PATROL_TYPES = _vocabulary("patrol_type")
FINDINGS = _vocabulary("finding")
ACTIONS = _vocabulary("action")

# Header names by canonical field; compared after _header_key().
HEADERS = {
    "lon": ("经度", "东经", "lon", "lng", "long", "longitude", "x", "x坐标", "横坐标", "easting"),
    "lat": ("纬度", "北纬", "lat", "latitude", "y", "y坐标", "纵坐标", "northing"),
    "wkt": ("wkt", "geometry", "geom", "the_geom", "几何", "shape", "图形"),
    "datetime": (
        "日期时间",
        "巡查时间",
        "巡护时间",
        "监测时间",
        "发现时间",
        "记录时间",
        "观测时间",
        "observed_at",
        "datetime",
        "timestamp",
        "date_time",
    ),
    "date": ("日期", "巡查日期", "巡护日期", "date", "day"),
    "time": ("时间", "时刻", "time", "when"),
    "patrol_type": (
        "巡查类型",
        "巡护类型",
        "巡查方式",
        "巡护方式",
        "类型",
        "patrol_type",
        "patrol",
        "patroltype",
        "type",
    ),
    "team": ("队伍", "巡查队伍", "巡护队伍", "单位", "巡查单位", "巡护单位", "team", "unit"),
    "observer": (
        "巡查人",
        "巡护人",
        "巡护员",
        "记录人",
        "调查人",
        "observer",
        "recorder",
        "patroller",
    ),
    "finding": (
        "发现",
        "问题类型",
        "发现情况",
        "巡查结果",
        "巡护结果",
        "情况",
        "finding",
        "result",
        "status",
    ),
    "cover_pct": ("盖度", "覆盖度", "cover", "cover_pct", "coverage"),
    "patch_area_m2": ("斑块面积", "面积", "patch_area", "patch_area_m2", "area_m2", "area"),
    "survival_pct": ("成活率", "survival", "survival_pct"),
    "action": ("处理", "处置", "处理措施", "处置情况", "处理情况", "action"),
    "notes": (
        "备注",
        "说明",
        "描述",
        "notes",
        "note",
        "remark",
        "remarks",
        "comment",
        "comments",
        "description",
        "desc",
    ),
    "name": ("名称", "name", "标注", "点名"),
    "category": ("category", "类别", "分类"),
}


def _header_key(header):
    """Compare headers without case, spaces, units or brackets: '经度(°)' -> '经度'."""
    key = str(header).strip().lower()
    key = re.sub(r"[（(\[【].*?[)）\]】]", "", key)
    key = re.sub(r"[\s\u3000:：°%％]+", "", key)
    return key


def _lookup(table):
    """{header key: (field, rank)}: a name's rank is its place in the field's list,
    most specific first."""
    lookup = {}
    for field, names in table.items():
        for rank, name in enumerate(names):
            lookup.setdefault(_header_key(name), (field, rank))
    return lookup


_LOCATION_HEADERS = {key: HEADERS[key] for key in ("lon", "lat", "wkt")}

# Plot files: 面积 is the declared plot area there, not a patch's.
PLOT_HEADERS = {
    **_LOCATION_HEADERS,
    "plot_id": (
        "图斑编号",
        "地块编号",
        "小班号",
        "编号",
        "图斑号",
        "plot_id",
        "plot",
        "id",
        "code",
    ),
    "site": ("保护区", "保护小区", "site", "site_id", "reserve"),
    "township": ("乡镇", "所在乡镇", "township", "town"),
    "date": (
        "除治日期",
        "清除日期",
        "除治时间",
        "完成日期",
        "种植日期",
        "造林日期",
        "种植时间",
        "cleared_on",
        "planted_on",
        "date",
    ),
    "method": ("除治方式", "治理方式", "除治方法", "method"),
    "contractor": ("施工单位", "承包单位", "contractor"),
    "species": ("树种", "物种", "品种", "species"),
    "declared_area": (
        "面积",
        "图斑面积",
        "种植面积",
        "造林面积",
        "planted_area",
        "area_mu",
        "area",
        "declared_area",
    ),
    "funding": ("资金来源", "经费来源", "funding", "funding_source"),
    "notes": HEADERS["notes"],
}

_LOOKUPS_BY_TABLE = {id(HEADERS): _lookup(HEADERS), id(PLOT_HEADERS): _lookup(PLOT_HEADERS)}


def match_headers(headers, table=HEADERS):
    """{field: original header} for the headers a file has.

    Where several headers name one field, the most specific name wins (图斑编号
    over a GeoJSON feature's ``id``), then the first in the file.

    Examples
    --------
    >>> match_headers(["id", "图斑编号", "除治日期"], PLOT_HEADERS)
    {'plot_id': '图斑编号', 'date': '除治日期'}
    """
    lookup = _LOOKUPS_BY_TABLE[id(table)]
    best = {}
    for position, header in enumerate(headers):
        found = lookup.get(_header_key(header))
        if found is None:
            continue
        field, rank = found
        if field not in best or (rank, position) < best[field][0]:
            best[field] = ((rank, position), header)
    order = sorted(best, key=lambda field: best[field][0][1])
    return {field: best[field][1] for field in order}


def area_unit_of(header):
    """The unit a declared-area header names: '面积(公顷)' -> 'ha'; mu by default."""
    text = str(header).lower()
    if "公顷" in text or "(ha" in text or "hectare" in text or text.endswith("_ha"):
        return "ha"
    if "平方米" in text or "m2" in text or "㎡" in text or "m²" in text:
        return "m2"
    return "mu"


def _value_key(value):
    return re.sub(r"[\s_\-—·.,，。:：()（）]+", "", str(value).strip().lower())


def _build_lookup(vocabulary):
    exact = {}
    phrases = []
    for code, words in vocabulary.items():
        exact[_value_key(code)] = code
        for word in words:
            exact.setdefault(_value_key(word), code)
            if not word.isascii() and len(word) >= 2:
                phrases.append((word, code))
    phrases.sort(key=lambda item: -len(item[0]))
    return exact, phrases


_PATROL_LOOKUP = _build_lookup(PATROL_TYPES)


def _patrol_type(text):
    """A patrol type named whole, or by the longest Chinese name it contains."""
    exact, phrases = _PATROL_LOOKUP
    key = _value_key(text)
    if key in exact:
        return exact[key]
    for phrase, code in phrases:
        if phrase in text:
            return code
    return None


# -- reading finding and action phrases --------------------------------------------------
_MAX_PHRASE = 100  # characters; longer text is a note, not a finding
_NEGATABLE = ("spartina_regrowth", "spartina_new", "mangrove_damage", "seedling_harvest")
_SPARTINA = ("spartina_regrowth", "spartina_new")
# Rows of WORDS that name phrases read from their parts, not words of their own.
_READ_FROM_PARTS = {("finding", "spartina_removed"), ("action", "none")}
_PLACEHOLDER = re.compile(r"[\s\-—–_/\\.·…*×]+")
_NUMERALS = "零一二两三四五六七八九十百千"
_NUMBER = (
    rf"(?:\d+(?:\.\d+)?|[{_NUMERALS}]+)\s*"
    r"(?:平方米|平米|公顷|亩|株|丛|处|个|块|片|米|%|(?:m2|sqm|cm|m|ha)(?![a-z]))?"
)
# Clause breaks end a negation's reach; gaps (spaces, soft separators) only part
# words. A colon is a gap: in "复萌：无" the 无 answers the 复萌.
_BREAKS = r",;.!?()\[\]{}<>。！？【】《》「」『』〈〉|/\\\n\r"
_GAPS = r"\t\f\v \xa0\u2000-\u200b\u3000\-_~·*#…'\"“”‘’—–=:"


def _reader_words():
    """{Chinese word: sense}, {English word tuple: sense}; a sense is (role, code)."""
    chinese, english = {}, {}
    for vocabulary, code, zh, en in WORDS:
        if vocabulary == "patrol_type" or (vocabulary, code) in _READ_FROM_PARTS:
            continue
        sense = (code, None) if vocabulary == "word" else (vocabulary, code)
        for table, key in [(chinese, w) for w in zh] + [(english, tuple(w.split())) for w in en]:
            if key in table:
                raise ValueError(f"{key!r} has two meanings in WORDS")
            table[key] = sense
    return chinese, english


def _longest_first(words):
    """A regular expression matching the longest of ``words`` at a position (a
    trie: each optional tail is tried before the word it extends)."""
    trie = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node):
        tails = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not tails:
            return ""
        either = "(?:" + "|".join(tails) + ")"
        return either + "?" if "" in node else either

    return pattern(trie)


_CHINESE, _ENGLISH = _reader_words()
_STARTS = "".join(sorted({word[0] for word in _CHINESE} | set(_NUMERALS)))
# One token per match, tried in this order; "odd" is a character that starts a
# word it does not complete, "other" a run of characters that start none.
_TOKEN = re.compile(
    "|".join(
        (
            f"(?P<brk>[{_BREAKS}]+)",
            f"(?P<gap>[{_GAPS}]+)",
            r"(?P<latin>[a-z]+(?:[ \t\-_]+[a-z]+)*)",
            f"(?P<zh>{_longest_first(_CHINESE)})",
            f"(?P<num>{_NUMBER})",
            f"(?P<other>[^{_BREAKS}{_GAPS}\\sa-z0-9{re.escape(_STARTS)}]+)",
            "(?P<odd>.)",
        )
    ),
    re.DOTALL,
)
_CODE_KEYS = {
    vocabulary: {code.replace("_", ""): code for v, code, _zh, _en in WORDS if v == vocabulary}
    for vocabulary in ("finding", "action")
}


class _Refused(Exception):
    """A phrase that cannot be read as one finding or action (the reason)."""


@dataclasses.dataclass(frozen=True)
class Reading:
    """What a finding or action phrase says: its ``code``; for a finding, the
    ``action`` its words name too (or None); or the ``problem`` that refuses it."""

    code: str | None = None
    action: str | None = None
    problem: str | None = None


def _scan(text):
    """(clauses, unknown): the phrase cut into known words, each clause a list of
    (role, code, word) with fillers and quantities left out; unknown holds the
    parts that are no known word."""
    clauses, clause, unknown = [], [], []
    stray_end = None  # where the last unknown part ended, to join adjacent ones
    for match in _TOKEN.finditer(text):
        kind, token = match.lastgroup, match.group()
        if kind in ("other", "odd"):
            if stray_end == match.start():
                unknown[-1] += token
            else:
                unknown.append(token)
            stray_end = match.end()
        elif kind == "brk" and clause:
            clauses.append(clause)
            clause = []
        elif kind == "zh":
            sense = _CHINESE[token]
            if sense[0] != "filler":
                clause.append((*sense, token))
        elif kind == "latin":
            words = re.split(r"[ \t\-_]+", token)
            start = 0
            while start < len(words):
                size, sense = next(
                    (
                        (size, _ENGLISH[key])
                        for size in range(min(3, len(words) - start), 0, -1)
                        if (key := tuple(words[start : start + size])) in _ENGLISH
                    ),
                    (1, None),
                )
                if sense is None:
                    unknown.append(words[start])
                elif sense[0] != "filler":
                    clause.append((*sense, " ".join(words[start : start + size])))
                start += size
    if clause:
        clauses.append(clause)
    return clauses, unknown


def _terms(clause):
    """The terms of one clause, each with the negation that covers it:
    [role, code, word, (negation role, word[, "after"]) or None].

    A negation covers the next term (未见复萌), through a list of terms (未见复萌及新发)
    and through Spartina named before its finding (未发现互花米草复萌); with no term
    after it in the clause it covers the term before (清除未完成, removal pending);
    alone it is a term of its own ("nothing" or "pending").
    """
    terms, waiting, previous = [], None, None
    for index, (role, code, word) in enumerate(clause):
        if role in ("not", "pending"):
            if waiting is not None:
                raise _Refused(f"negates twice ('{_joined(waiting[1], word)}')")
            waiting = (role, word)
        elif role == "and":
            waiting = waiting or previous
        elif role == "also":
            if waiting is not None:
                raise _Refused(f"negates nothing ('{_joined(waiting[1], word)}')")
            previous = None
        else:
            terms.append([role, code, word, waiting])
            following = clause[index + 1][0] if index + 1 < len(clause) else None
            if role == "spartina" and following in ("finding", "anomaly"):
                continue
            previous, waiting = waiting, None
    if waiting is not None:
        if terms and terms[-1][3] is None:
            terms[-1][3] = (*waiting, "after")
        elif terms:
            shown = _joined(_shown(*terms[-1][2:]), waiting[1])
            raise _Refused(f"negates twice ('{shown}')")
        else:
            terms.append(["nothing" if waiting[0] == "not" else "pending", None, waiting[1], None])
    return terms


def _name(code, word):
    return f"{code} ({word})"


def _joined(first, second):
    space = " " if first[-1].isascii() or second[0].isascii() else ""
    return f"{first}{space}{second}"


def _shown(word, negation):
    """A term as the phrase had it: '未见复萌', 'not removed', 'removal pending'."""
    if negation is None:
        return word
    return _joined(word, negation[1]) if negation[2:] else _joined(negation[1], word)


def _meaning(terms, vocabulary):
    """(code, action) that the terms of a phrase say together, or _Refused."""
    named, ruled_out, said, denied = {}, {}, {}, {}
    clear, vague, nothing = None, None, None
    for role, code, word, negation in terms:
        shown = _shown(word, negation)
        if negation and negation[0] == "pending" and role != "action":
            raise _Refused(f"says '{shown}', but {negation[1]} (pending) goes with an action")
        if role == "finding" and negation is None:
            if code == "clear":
                clear = clear or word
            else:
                named.setdefault(code, word)
        elif role == "finding":
            if code not in _NEGATABLE:
                raise _Refused(f"says '{shown}', but {code} cannot be negated")
            ruled_out.setdefault(code, shown)
        elif role == "action":
            (denied if negation else said).setdefault(code, shown)
        elif role == "spartina" and negation:
            for spartina in _SPARTINA:
                ruled_out.setdefault(spartina, shown)
        elif role == "anomaly" and negation:
            clear = clear or shown
        elif role in ("spartina", "anomaly"):
            vague = vague or (role, word)
        elif role == "nothing":
            nothing = word
        else:  # pending alone
            denied.setdefault("removed", word)
    for code in said.keys() & denied.keys():
        raise _Refused(f"says both {code} ('{said[code]}') and not ('{denied[code]}')")
    action = next((c for c in ("removed", "reported") if c in said), "none" if denied else None)
    if vocabulary == "action":
        if named or ruled_out or clear or vague:
            raise _Refused("names a finding, not an action")
        if nothing is not None and said:
            raise _Refused(f"says both '{nothing}' and {action} ('{said[action]}')")
        if action is None and nothing is None:
            raise _Refused("names no action")
        return action or "none", None
    if len(named) > 1:
        found = " and ".join(_name(c, w) for c, w in named.items())
        raise _Refused(f"names two findings, {found}; a row holds one")
    for code in named.keys() & ruled_out.keys():
        raise _Refused(f"says both {code} ('{named[code]}') and not ('{ruled_out[code]}')")
    negative = clear or nothing or next(iter(ruled_out.values()), None)
    if named and (clear or nothing):
        code, word = next(iter(named.items()))
        raise _Refused(f"says both {_name(code, word)} and clear ('{clear or nothing}')")
    if named:
        return next(iter(named)), action
    if "removed" in said:
        if negative:
            raise _Refused(f"says both clear ('{negative}') and removed ('{said['removed']}')")
        return "spartina_removed", action
    if negative:
        return "clear", action
    if vague and vague[0] == "spartina":
        raise _Refused(f"does not say whether '{vague[1]}' is regrowth (复萌) or new (新发)")
    if vague:
        raise _Refused(f"does not say what '{vague[1]}' was")
    raise _Refused("names no finding")


@functools.lru_cache(maxsize=4096)
def _read(text, vocabulary):
    if len(text) > _MAX_PHRASE:
        return _refused(
            text,
            vocabulary,
            f"… is {len(text)} characters long (at most {_MAX_PHRASE}); "
            "put free text in the notes (备注)",
        )
    if text.isascii():
        code = _CODE_KEYS[vocabulary].get(re.sub(r"[\s_\-]+", "", text.lower()))
        if code is not None:
            return Reading(code, "removed" if code == "spartina_removed" else None)
    if _PLACEHOLDER.fullmatch(text):
        return Reading()
    normal = unicodedata.normalize("NFKC", text).lower()
    clauses, unknown = _scan(normal)
    if unknown:
        parts = ", ".join(repr(part) for part in dict.fromkeys(unknown))
        why = "" if unknown == [normal] else f" (not understood: {parts})"
        return _refused(text, vocabulary, f"{why}; expected one of", unknown=True)
    if not clauses and not re.search(r"\w", normal):
        return Reading()  # punctuation only: a blank
    try:
        if not clauses:  # only words that add nothing (已, 现场, 约3平方米)
            raise _Refused(f"names no {vocabulary}")
        code, action = _meaning([t for clause in clauses for t in _terms(clause)], vocabulary)
    except _Refused as refusal:
        reason = str(refusal)
        listed = "; expected one of" if reason.startswith("names no") else ""
        return _refused(text, vocabulary, f" {reason}{listed}")
    return Reading(code, action)


def _refused(text, vocabulary, reason, unknown=False):
    """A refusal naming the phrase; a reason ending "expected one of" gets the words."""
    label = vocabulary.replace("_", " ")
    problem = f"{'unknown ' if unknown else ''}{label} {text[:60]!r}{reason}"
    if problem.endswith("expected one of"):
        problem += f" {allowed_words(vocabulary)}"
    return Reading(problem=problem)


def read_phrase(value, vocabulary: str) -> Reading | None:
    """Read a finding or action phrase as a patrol team means it.

    The phrase is cut into the words of :data:`WORDS` (Chinese or English, any
    width, punctuation and spaces free); every part must be a known word, or the
    phrase is refused with the known words listed: nothing is guessed. Negation
    (未, 没有, 无, 不, 尚未, not, no, …) counts wherever it stands, for the term it
    covers (see :func:`_terms`). A finding phrase may name an action too:
    复萌已清除 is regrowth removed on the spot, 复萌未清除 regrowth not removed,
    复萌，已上报 regrowth reported; 已拔除 alone is the finding spartina_removed.
    Pending (待处理, pending) is the action ``none``: nothing was done yet.

    A phrase is refused when it names two findings, both says and denies
    something (复萌，未见复萌; 已清除，未清除), names Spartina without saying
    whether it is regrowth or new, or names no finding (or no action). Returns
    None for a blank value, a :class:`Reading` with ``code`` None for a
    placeholder such as "-".

    Examples
    --------
    >>> read_phrase("复萌已清除", "finding")
    Reading(code='spartina_regrowth', action='removed', problem=None)
    >>> read_phrase("红树林未受破坏", "finding").code, read_phrase("待处理", "action").code
    ('clear', 'none')
    >>> read_phrase("复萌外星人", "finding").problem[:50]
    "unknown finding '复萌外星人' (not understood: '外星人'); e"
    """
    if vocabulary not in _CODE_KEYS:
        raise ValueError(f"read_phrase reads findings and actions, not {vocabulary!r}")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return _read(text, vocabulary) if text else None


def code_for(value, vocabulary):
    """The canonical code for a word in ``vocabulary`` ("patrol_type", "finding",
    "action"), or None when the word is not known (or the phrase is refused,
    see :func:`read_phrase`).

    Examples
    --------
    >>> code_for("复萌", "finding"), code_for("市级专班联合巡护", "patrol_type")
    ('spartina_regrowth', 'city_joint')
    >>> code_for("未见复萌", "finding"), code_for("复萌未清除", "finding")
    ('clear', 'spartina_regrowth')
    >>> code_for("未清除", "action"), code_for("待处理", "action"), code_for("已上报", "action")
    ('none', 'none', 'reported')
    >>> code_for("柯湾外星人复萌", "finding") is None
    True
    """
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    if not text:
        return None
    if vocabulary == "patrol_type":
        return _patrol_type(text)
    return _read(text, vocabulary).code


def map_vocabulary(series, vocabulary):
    """Vectorised :func:`code_for` over a Series (each distinct value looked up once)."""
    uniques = pd.unique(series.astype("object"))
    mapping = {value: code_for(value, vocabulary) for value in uniques}
    return series.astype("object").map(mapping)


def read_column(series: pd.Series, vocabulary: str) -> pd.DataFrame:
    """:func:`read_phrase` over a Series: a frame of code, action and problem
    (None where blank), on the series' index; each distinct value is read once.

    Examples
    --------
    >>> read_column(pd.Series(["复萌，已上报", None, "UFO"]), "finding")["code"].tolist()
    ['spartina_regrowth', None, None]
    """
    values = series.astype("object")
    positions, uniques = pd.factorize(values, use_na_sentinel=True)
    readings = [read_phrase(value, vocabulary) or Reading() for value in uniques]
    columns = {}
    for field in ("code", "action", "problem"):
        found = np.array([getattr(r, field) for r in readings] + [None], dtype=object)
        columns[field] = pd.Series(
            found[np.where(positions < 0, len(readings), positions)],
            index=series.index,
            dtype=object,
        )
    return pd.DataFrame(columns)


def combine_actions(stated, named):
    """The action of each row from the action column (``stated``) and the action
    the finding's words name (``named``), with a mask of the rows where they
    contradict each other.

    A patrol office wants every fact a team wrote down kept, and no removal it
    cannot be sure of: when only one says an action, it is used (a file without
    an action column reads 复萌已清除 as removed); when they agree, or one says
    more than the other (removed and reported: removed; reported and none:
    reported), the fuller fact is kept; when one says removed and the other
    not removed (none or pending), the row is refused with both words, because
    that decides whether the ledger re-clears a case.

    Examples
    --------
    >>> action, clash = combine_actions(
    ...     np.array([None, "reported", "none"], dtype=object),
    ...     np.array(["removed", "removed", "removed"], dtype=object))
    >>> action.tolist(), clash.tolist()
    (['removed', 'removed', None], [False, False, True])
    """
    stated = np.asarray(stated, dtype=object)
    named = np.asarray(named, dtype=object)
    action = np.where(pd.isna(stated), named, stated)
    for fuller in ("reported", "removed"):  # removed last: it wins over reported
        action = np.where((stated == fuller) | (named == fuller), fuller, action)
    clash = ((stated == "removed") & (named == "none")) | (
        (stated == "none") & (named == "removed")
    )
    return np.where(clash, None, action), clash


@functools.cache
def allowed_words(vocabulary):
    """The codes of a vocabulary with their Chinese and English names, for messages."""
    names = ", ".join(f"{code} ({zh[0]}, {en[0]})" for v, code, zh, en in WORDS if v == vocabulary)
    if vocabulary == "finding":
        names += "; negated with 未, 没有, 无, 不, not, no; an action may follow (复萌已清除)"
    return names
