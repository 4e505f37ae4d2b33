import geopandas
import pyproj
import pytest
import shapely

from hailin.geo.area import area
from hailin.geo.errors import SiteError
from hailin.geo.sites import load_sites, normalize_sites

GEOD = pyproj.Geod(ellps="GRS80")


def test_bundled_sites_are_the_three_reserves():
    sites = load_sites()
    assert sites.crs.to_epsg() == 4326
    assert sites["site_id"].tolist() == ["kewan", "xuncheng", "luochun"]
    assert sites["township"].tolist() == ["前岐镇", "店下镇", "佳阳畲族乡"]
    assert all("柯湾" in n or "巽城" in n or "罗唇" in n for n in sites["name_zh"])
    assert sites.geometry.is_valid.all()


def test_bundled_sites_total_about_2068_mu():
    assert area(load_sites(), unit="mu").sum() == pytest.approx(2068, abs=1)


@pytest.mark.parametrize(
    ("site_id", "lon", "lat"),
    [("kewan", 120.33, 27.26), ("xuncheng", 120.33, 27.23), ("luochun", 120.38, 27.245)],
)
def test_bundled_sites_sit_near_the_reserves(site_id, lon, lat):
    sites = load_sites().set_index("site_id")
    centre = sites.geometry[site_id].representative_point()
    assert GEOD.inv(lon, lat, centre.x, centre.y)[2] < 2500


def test_the_data_says_it_is_illustrative():
    from importlib import resources

    text = (
        resources.files("hailin.geo").joinpath("data", "sites.geojson").read_text(encoding="utf-8")
    )
    assert "NOT official boundaries" in text
    assert '"illustrative": true' in text


def test_normalize_sites_with_chinese_headers_and_projected_crs():
    boundaries = geopandas.GeoDataFrame(
        {
            "名称": ["柯湾红树林", "新的保护小区"],
            "乡镇": ["前岐镇", "沙埕镇"],
            "编号": [None, "shacheng"],
        },
        geometry=[
            shapely.box(120.32, 27.25, 120.34, 27.27),
            shapely.box(120.40, 27.20, 120.41, 27.21),
        ],
        crs=4326,
    ).to_crs(4549)
    sites = normalize_sites(boundaries)
    assert sites["site_id"].tolist() == ["kewan", "shacheng"]
    assert sites["township"].tolist() == ["前岐镇", "沙埕镇"]
    assert sites["name_en"].tolist() == ["Kewan", "shacheng"]
    assert sites.crs.to_epsg() == 4326
    assert sites.geometry.iloc[0].bounds == pytest.approx((120.32, 27.25, 120.34, 27.27), abs=1e-8)


def test_normalize_sites_refuses_points_duplicates_and_nameless_files():
    box = shapely.box(120.32, 27.25, 120.34, 27.27)
    with pytest.raises(SiteError, match=r"feature 2 .* is Point"):
        normalize_sites(
            geopandas.GeoDataFrame(
                {"site_id": ["a", "b"]}, geometry=[box, shapely.Point(120.3, 27.2)], crs=4326
            )
        )
    with pytest.raises(SiteError, match="a appear more than once"):
        normalize_sites(
            geopandas.GeoDataFrame({"site_id": ["a", "a"]}, geometry=[box, box], crs=4326)
        )
    with pytest.raises(SiteError, match="no site id or name column"):
        normalize_sites(geopandas.GeoDataFrame({"foo": [1]}, geometry=[box], crs=4326))
