"""The site registry: the reserve polygons every other layer is placed in.

The bundled polygons (``geo/data/sites.geojson``) are illustrative demo
geometry at the approximate positions of the three Fuding reserves on Shacheng
Bay (沙埕港), sized to about 2,068 mu in all. They are not official boundaries;
a workspace replaces them with ``hailin sites import FILE``.
"""

from __future__ import annotations

import re
from importlib import resources

import geopandas
import numpy as np
import pandas as pd
import shapely
from geopandas import GeoDataFrame

from hailin.geo.crs import WGS84, to_wgs84
from hailin.geo.errors import ArgumentTypeError, SiteError

SITE_COLUMNS = ["site_id", "name_zh", "name_en", "township", "geometry"]

KNOWN_SITES = {
    "kewan": ("柯湾", "Kewan", "前岐镇"),
    "xuncheng": ("巽城", "Xuncheng", "店下镇"),
    "luochun": ("罗唇", "Luochun", "佳阳畲族乡"),
}
# English names of the townships the known sites lie in (the registry holds them in Chinese).
KNOWN_TOWNSHIPS = {"前岐镇": "Qianqi", "店下镇": "Dianxia", "佳阳畲族乡": "Jiayang"}

# Header variants seen in boundary files, lower-cased.
_HEADERS = {
    "site_id": ("site_id", "id", "code", "编号", "代码", "保护区编号"),
    "name_zh": ("name_zh", "名称", "保护区", "保护区名称", "小区名称", "name"),
    "name_en": ("name_en", "english", "英文名"),
    "township": ("township", "town", "乡镇", "所在乡镇"),
}


def load_sites() -> geopandas.GeoDataFrame:
    """The bundled (illustrative) reserve polygons, EPSG:4326.

    Returns
    -------
    GeoDataFrame
        One row per site: ``site_id``, ``name_zh``, ``name_en``, ``township``
        and the polygon.

    Examples
    --------
    >>> load_sites()["site_id"].tolist()
    ['kewan', 'xuncheng', 'luochun']
    """
    path = resources.files("hailin.geo").joinpath("data", "sites.geojson")
    with resources.as_file(path) as real_path:
        sites = geopandas.read_file(real_path)
    return sites[SITE_COLUMNS].set_crs(WGS84, allow_override=True)


def _pick_column(frame, candidates):
    lowered = {str(c).strip().lower(): c for c in frame.columns}
    for name in candidates:
        if name in lowered:
            return lowered[name]
    return None


def _slug(text):
    slug = re.sub(r"[^a-z0-9]+", "_", str(text).strip().lower()).strip("_")
    return slug or None


def _known_site_for(name):
    for site_id, (zh, en, _township) in KNOWN_SITES.items():
        if name and (zh in str(name) or en.lower() in str(name).lower()):
            return site_id
    return None


def normalize_sites(frame: GeoDataFrame, *, source: str = "sites") -> GeoDataFrame:
    """Official boundaries (any columns, any CRS) as a site registry frame.

    Ids come from an id column, a known reserve's name or the English name;
    polygons go to EPSG:4326, repaired; a non-polygon or a repeated id is a SiteError.

    Parameters
    ----------
    frame : GeoDataFrame
        The boundaries as read from a file.
    source : str
        The file's name, for messages.

    Returns
    -------
    GeoDataFrame
        ``site_id``, ``name_zh``, ``name_en``, ``township`` and the polygons.

    Examples
    --------
    >>> import shapely
    >>> squares = [shapely.box(120.30, 27.20, 120.31, 27.21), shapely.box(120.32, 27.2, 120.33, 27.21)]
    >>> found = GeoDataFrame({"保护区名称": ["柯湾保护区", "巽城"]}, geometry=squares, crs=4326)
    >>> normalize_sites(found)[["site_id", "name_en"]].values.tolist()
    [['kewan', 'Kewan'], ['xuncheng', 'Xuncheng']]
    """
    if not isinstance(frame, geopandas.GeoDataFrame):
        raise ArgumentTypeError(f"'frame' should be GeoDataFrame, got {type(frame)}")
    if len(frame) == 0:
        raise SiteError(f"{source}: no features")
    frame = to_wgs84(frame)
    picked = {key: _pick_column(frame, names) for key, names in _HEADERS.items()}
    if picked["site_id"] is None and picked["name_zh"] is None and picked["name_en"] is None:
        raise SiteError(
            f"{source}: no site id or name column; expected one of "
            f"{', '.join(_HEADERS['site_id'] + _HEADERS['name_zh'])}, "
            f"found {', '.join(map(str, frame.columns))}"
        )
    out = pd.DataFrame(index=frame.index)
    for key, column in picked.items():
        values = frame[column] if column is not None else pd.Series(None, index=frame.index)
        out[key] = values.astype("object").where(values.notna(), None)
    for row, position in zip(out.index, range(len(out)), strict=True):
        name = out.at[row, "name_zh"] or out.at[row, "name_en"]
        site_id = (
            out.at[row, "site_id"] or _known_site_for(name) or _slug(out.at[row, "name_en"] or "")
        )
        if not site_id:
            raise SiteError(f"{source}: feature {position + 1} has no site id or usable name")
        site_id = str(site_id).strip()
        out.at[row, "site_id"] = site_id
        zh, en, township = KNOWN_SITES.get(site_id, (None, None, None))
        out.at[row, "name_zh"] = out.at[row, "name_zh"] or zh or site_id
        out.at[row, "name_en"] = out.at[row, "name_en"] or en or site_id
        out.at[row, "township"] = out.at[row, "township"] or township
    duplicated = out["site_id"][out["site_id"].duplicated()].unique().tolist()
    if duplicated:
        raise SiteError(f"{source}: site id(s) {', '.join(duplicated)} appear more than once")
    geometries = np.asarray(frame.geometry.values, dtype=object)
    types = shapely.get_type_id(geometries)
    not_polygons = np.flatnonzero(~np.isin(types, (3, 6)))
    if not_polygons.size:
        first = int(not_polygons[0])
        kind = "no geometry" if geometries[first] is None else geometries[first].geom_type
        raise SiteError(
            f"{source}: feature {first + 1} ({out['site_id'].iloc[first]}) is {kind}; "
            "site boundaries must be polygons"
        )
    invalid = ~shapely.is_valid(geometries)
    if invalid.any():
        repaired = shapely.make_valid(geometries[invalid])
        polygons = [
            shapely.union_all(
                [p for p in shapely.get_parts(g) if p.geom_type in ("Polygon", "MultiPolygon")]
            )
            for g in repaired
        ]
        geometries = geometries.copy()
        geometries[invalid] = polygons
    return geopandas.GeoDataFrame(out, geometry=geometries, crs=WGS84).reset_index(drop=True)


def site_names(sites, lang: str) -> dict:
    """{site_id: the site's name in ``lang``} ("zh": name_zh, "en": name_en).

    Examples
    --------
    >>> site_names(load_sites(), "zh")["kewan"], site_names(load_sites(), "en")["kewan"]
    ('柯湾红树林保护小区', 'Kewan mangrove reserve')
    """
    column = "name_zh" if lang == "zh" else "name_en"
    return dict(zip(sites["site_id"], sites[column], strict=True))


def township_name(township, lang: str):
    """A township (as the registry and plot files hold it, in Chinese) in
    ``lang``: the English name of a known township, else as it is.

    Examples
    --------
    >>> township_name("前岐镇", "en"), township_name("前岐镇", "zh"), township_name("沙埕镇", "en")
    ('Qianqi', '前岐镇', '沙埕镇')
    """
    if lang == "en" and isinstance(township, str):
        return KNOWN_TOWNSHIPS.get(township.strip(), township)
    return township


def site_table(sites: GeoDataFrame) -> pd.DataFrame:
    """One row per site: its id, names in zh and en, township (zh and en),
    ellipsoidal area in mu and bounds in degrees (EPSG:4326).

    Examples
    --------
    >>> table = site_table(load_sites())
    >>> table.columns.tolist()
    ['site_id', 'name_zh', 'name_en', 'township', 'township_en', 'area_mu', 'west', 'south', 'east', 'north']
    >>> table.loc[0, ["site_id", "township_en"]].tolist()
    ['kewan', 'Qianqi']
    >>> bool((table["area_mu"] > 0).all())
    True
    """
    from hailin.geo.area import area  # geo.area imports this module's neighbours

    bounds = sites.to_crs(WGS84).bounds
    return pd.DataFrame(
        {
            "site_id": sites["site_id"].to_numpy(),
            "name_zh": sites["name_zh"].to_numpy(),
            "name_en": sites["name_en"].to_numpy(),
            "township": sites["township"].to_numpy(),
            "township_en": [township_name(t, "en") for t in sites["township"]],
            "area_mu": area(sites, unit="mu").to_numpy().round(2),
            "west": bounds["minx"].to_numpy().round(6),
            "south": bounds["miny"].to_numpy().round(6),
            "east": bounds["maxx"].to_numpy().round(6),
            "north": bounds["maxy"].to_numpy().round(6),
        }
    )
