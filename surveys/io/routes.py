"""A week's plan as files: each team's route as GPX and KML (the apps patrols
use, 两步路 and 奥维 among them, import both) and an XLSX list; the whole plan
as a GeoPackage that `hailin plan status` reads back.

GPX and KML are written with the standard library's ElementTree, which
escapes every text; waypoints come in the order walked, each named with its
order and plot id and described with its reason and risk, and a route (GPX
``rte``, KML ``LineString``) joins them day by day.
"""

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable

import geopandas
import pandas as pd
import pyogrio
import shapely

from hailin.surveys.errors import PlanError
from hailin.surveys.io.exports import write_sheet
from hailin.surveys.io.written import replacing

PLAN_FILE = "plan.gpkg"
PLAN_LAYER = "stops"
# A plan holds at most this many stops (far more than any week's walks).
MAX_PLAN_STOPS = 100_000
GPX_NS = "http://www.topografix.com/GPX/1/1"
KML_NS = "http://www.opengis.net/kml/2.2"


def _replace(path, write: Callable[[str], None]) -> None:
    """``write`` a file beside ``path``, then put it in place at once: a reader
    (or `hailin plan status`) sees the old file or the new, never half of one."""
    with replacing(path) as scratch:
        write(scratch)


def file_stem(name: str) -> str:
    """A team name as a file name: letters (Chinese too), digits, - and _ only.

    Examples
    --------
    >>> file_stem("前岐镇/巡查队 1")
    '前岐镇_巡查队_1'
    """
    return re.sub(r"[^\w-]+", "_", name).strip("_")[:60] or "team"


def _description(row, labels) -> str:
    parts = [row["kind"], row["reason"]]
    if not pd.isna(row["risk"]):
        parts.insert(1, f"{labels['risk']} {row['risk']:.2f}")
    return labels["sep"].join(parts)


def _name(row) -> str:
    return f"{row['day'][5:]} {int(row['order']):02d} {row['stop_id']}"


def write_gpx(route: pd.DataFrame, path, labels) -> None:
    """The route's stops as GPX waypoints in the order walked, and one GPX
    route per day through them (``labels``: the word for risk, "risk", and the
    separator of the description's parts, "sep")."""
    ET.register_namespace("", GPX_NS)
    root = ET.Element(f"{{{GPX_NS}}}gpx", version="1.1", creator="hailin")
    for row in route.to_dict("records"):
        point = ET.SubElement(
            root, f"{{{GPX_NS}}}wpt", lat=f"{row['lat']:.7f}", lon=f"{row['lon']:.7f}"
        )
        ET.SubElement(point, f"{{{GPX_NS}}}name").text = _name(row)
        ET.SubElement(point, f"{{{GPX_NS}}}desc").text = _description(row, labels)
        ET.SubElement(point, f"{{{GPX_NS}}}type").text = row["kind"]
    for day, stops in route.groupby("day", sort=True):
        path_element = ET.SubElement(root, f"{{{GPX_NS}}}rte")
        ET.SubElement(path_element, f"{{{GPX_NS}}}name").text = day
        for row in stops.sort_values("order").to_dict("records"):
            point = ET.SubElement(
                path_element, f"{{{GPX_NS}}}rtept", lat=f"{row['lat']:.7f}", lon=f"{row['lon']:.7f}"
            )
            ET.SubElement(point, f"{{{GPX_NS}}}name").text = _name(row)
    _replace(
        path, lambda to: ET.ElementTree(root).write(to, encoding="utf-8", xml_declaration=True)
    )


def write_kml(route: pd.DataFrame, path, title: str, labels) -> None:
    """The route's stops as KML placemarks in the order walked (with plot id,
    risk and reason as extended data) and a line per day through them."""
    ET.register_namespace("", KML_NS)
    root = ET.Element(f"{{{KML_NS}}}kml")
    document = ET.SubElement(root, f"{{{KML_NS}}}Document")
    ET.SubElement(document, f"{{{KML_NS}}}name").text = title
    for day, stops in route.groupby("day", sort=True):
        folder = ET.SubElement(document, f"{{{KML_NS}}}Folder")
        ET.SubElement(folder, f"{{{KML_NS}}}name").text = day
        stops = stops.sort_values("order")
        for row in stops.to_dict("records"):
            mark = ET.SubElement(folder, f"{{{KML_NS}}}Placemark")
            ET.SubElement(mark, f"{{{KML_NS}}}name").text = _name(row)
            ET.SubElement(mark, f"{{{KML_NS}}}description").text = _description(row, labels)
            data = ET.SubElement(mark, f"{{{KML_NS}}}ExtendedData")
            risk = "" if pd.isna(row["risk"]) else f"{row['risk']:.4f}"
            for key, value in (
                ("plot_id", row["stop_id"]),
                ("risk", risk),
                ("reason", row["reason"]),
            ):
                field = ET.SubElement(data, f"{{{KML_NS}}}Data", name=key)
                ET.SubElement(field, f"{{{KML_NS}}}value").text = str(value)
            point = ET.SubElement(mark, f"{{{KML_NS}}}Point")
            ET.SubElement(
                point, f"{{{KML_NS}}}coordinates"
            ).text = f"{row['lon']:.7f},{row['lat']:.7f}"
        if len(stops) > 1:
            line = ET.SubElement(
                ET.SubElement(folder, f"{{{KML_NS}}}Placemark"), f"{{{KML_NS}}}LineString"
            )
            ET.SubElement(line, f"{{{KML_NS}}}coordinates").text = " ".join(
                f"{lon:.7f},{lat:.7f}" for lon, lat in zip(stops["lon"], stops["lat"], strict=True)
            )
    _replace(
        path, lambda to: ET.ElementTree(root).write(to, encoding="utf-8", xml_declaration=True)
    )


def write_list(route: pd.DataFrame, path, headers: dict, title: str) -> None:
    """The route as a list for people (XLSX or CSV), through the formula guard;
    ``headers`` names the columns shown, in order."""
    table = route.assign(risk=route["risk"].round(3), leg_km=route["leg_km"].round(2))
    table = table.assign(walked_km=route["walked_km"].round(2))
    _replace(path, lambda to: write_sheet(table[list(headers)].rename(columns=headers), to, title))


def write_plan(plan: pd.DataFrame, folder) -> str:
    """The whole plan (every team's stops) as a GeoPackage in ``folder``."""
    path = os.path.join(folder, PLAN_FILE)
    frame = geopandas.GeoDataFrame(
        plan.drop(columns=["reasons"], errors="ignore"),
        geometry=shapely.points(plan["lon"].to_numpy(float), plan["lat"].to_numpy(float)),
        crs=4326,
    )
    _replace(path, lambda to: pyogrio.write_dataframe(frame, to, layer=PLAN_LAYER, driver="GPKG"))
    return path


def week_folder(out, week: str) -> str:
    """The folder of a week's plan under the workspace's ``out`` folder: plans/WEEK."""
    return os.path.join(out, "plans", week.upper())


def read_plan(folder, week: str) -> geopandas.GeoDataFrame:
    """The plan written for ``week`` in ``folder`` (refused when missing or too large)."""
    path = os.path.join(folder, PLAN_FILE)
    if not os.path.exists(path):
        raise PlanError(f"no plan for {week}: make one first with `hailin plan --week {week}`")
    try:
        info = pyogrio.read_info(path, layer=PLAN_LAYER)
        if info["features"] > MAX_PLAN_STOPS:
            raise PlanError(f"the plan for {week} holds more than {MAX_PLAN_STOPS} stops")
        return pyogrio.read_dataframe(path, layer=PLAN_LAYER)
    except pyogrio.errors.DataSourceError:
        raise PlanError(f"the plan for {week} cannot be read; make it again") from None
