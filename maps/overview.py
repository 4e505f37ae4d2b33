"""The overview map: the reserves (later issues add the programme's layers)."""

from layers.sites import sites_layer
from maps.base import finish, new_map


def overview_map(sites, lang="zh", basemap="osm"):
    """A ``folium.Map`` of the reserve boundaries, ready for a notebook or HTML."""
    fmap = new_map(sites.total_bounds, lang=lang, basemap=basemap)
    layer, legend = sites_layer(sites, lang=lang)
    layer.add_to(fmap)
    return finish(fmap, [legend], lang=lang)
