"""Map layers: one builder per layer, each returning (layer, legend entries).

:mod:`hailin.layers.page` is the one way their text reaches a page: as data, never as
template source.
"""

import logging
from typing import TYPE_CHECKING

from hailin.geo.lazy import lazy_exports

if TYPE_CHECKING:
    from hailin.layers.page import DataLayer, check_page, html_text, js_value
    from hailin.layers.sites import sites_layer
    from hailin.layers.text import text

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "hailin.layers.page": ["DataLayer", "check_page", "html_text", "js_value"],
        "hailin.layers.sites": ["sites_layer"],
        "hailin.layers.text": ["text"],
    },
)

__all__ = ["DataLayer", "check_page", "html_text", "js_value", "sites_layer", "text"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
