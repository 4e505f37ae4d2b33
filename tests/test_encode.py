"""The compact encodings maps are written in (layers/encode.py), read back as
the page's script reads them: exact integers, coordinates within 1 m."""

import hypothesis
import hypothesis.strategies as st
import numpy as np
import shapely

from hailin.layers.encode import SCALE, decode_ints, ints, points, shapes, text_column
from hailin.maps import MAPS
from tests.map_workspace import build, shown


@hypothesis.given(st.lists(st.integers(-(2**40), 2**40), max_size=50))
def test_ints_read_back_exactly(values):
    hypothesis.assume(not values or max(values) - min(values) <= 0xFFFFFFFF)
    assert decode_ints(ints(values)).tolist() == values


def test_ints_take_the_smallest_type():
    assert [ints(v)["t"] for v in ([0, 255], [0, 256], [5, 70_000])] == ["u1", "u2", "u4"]


def _read_shapes(spec):
    """The features of :func:`shapes` as lists of rings of (lon, lat), as draw.js reads them."""
    parts, rings, sizes = (decode_ints(spec[k]) for k in ("parts", "rings", "sizes"))
    first, steps = decode_ints(spec["first"]), decode_ints(spec["steps"])
    features, q, r, k = [], 0, 0, 0
    for count in parts:
        loops = []
        for _ in range(count):
            for _ in range(rings[q]):
                x, y = first[2 * r], first[2 * r + 1]
                ring = [(x, y)]
                for _ in range(sizes[r] - 1):
                    x, y = x + steps[2 * k], y + steps[2 * k + 1]
                    ring.append((x, y))
                    k += 1
                loops.append(np.asarray(ring, float) / spec["scale"])
                r += 1
            q += 1
        features.append(loops)
    return features


def _metres(a, b):
    """The Hausdorff distance of two geometries near 27°N, in metres."""
    shrink = np.cos(np.radians(27.25))
    scale = lambda g: shapely.affinity.scale(g, 111_320 * shrink, 110_574, origin=(0, 0))  # noqa: E731
    return shapely.hausdorff_distance(scale(a), scale(b), densify=0.1)


def test_polygons_come_back_within_a_metre_in_their_parts_and_holes():
    ring = [
        (120.3 + 0.001 * np.cos(t), 27.25 + 0.001 * np.sin(t)) for t in np.linspace(0, 6.28, 400)
    ]
    hole = shapely.box(120.2999, 27.2499, 120.3001, 27.2501)
    plot = shapely.Polygon(ring, [hole.exterior.coords])
    two = shapely.MultiPolygon([shapely.box(120.31, 27.26, 120.311, 27.261), plot])
    spec = shapes([plot, two])
    first, second = _read_shapes(spec)
    assert spec["type"] == "polygon" and decode_ints(spec["parts"]).tolist() == [1, 2]
    assert decode_ints(spec["rings"]).tolist() == [2, 1, 2]
    assert len(first[0]) < 400  # simplified for display
    assert _metres(shapely.Polygon(first[0], [first[1]]), plot) <= 1.0
    small, outer, inner = second
    assert _metres(shapely.Polygon(outer, [inner]), plot) <= 1.0
    assert _metres(shapely.Polygon(small), shapely.box(120.31, 27.26, 120.311, 27.261)) <= 0.1


def test_points_are_rounded_to_a_tenth_of_a_metre():
    spec = points(shapely.points([[120.3333333, 27.2666666], [120.3, 27.2]]))
    x, y = decode_ints(spec["x"]) / SCALE, decode_ints(spec["y"]) / SCALE
    assert x.tolist() == [120.333333, 120.3] and y.tolist() == [27.266667, 27.2]


def test_text_is_written_once_per_value():
    column = text_column(["秋茄", "秋茄", None, "桐花树", "秋茄"], entered=True)
    assert column["table"] == ["", "桐花树", "秋茄"]
    assert decode_ints(column["codes"]).tolist() == [2, 2, 0, 1, 2]
    assert column["entered"] == [1, 2]


def test_english_popups_mark_chinese_field_values_as_entered(tmp_path):
    def chinese(field, index=None):
        return f"{field}{'' if index is None else index} 海林"

    data = build(tmp_path, chinese).map_data()
    english = shown(MAPS["clearance"](data, lang="en").get_root().render())
    assert "Contractor (as entered): contractor 海林" in english
    assert "Method (as entered): method 海林" in english
    assert "Team (as entered): team 海林" in english
    assert any(line.startswith("Area: ") for line in english)  # hailin's own words: no mark
    chinese_map = shown(MAPS["clearance"](data, lang="zh").get_root().render())
    assert "施工单位: contractor 海林" in chinese_map
    assert not any("（原文）" in line for line in chinese_map)
