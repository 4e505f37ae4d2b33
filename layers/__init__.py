"""Map layers: one builder per layer, each returning (layer, legend entries).

:mod:`layers.page` is the one way their text reaches a page: as data, never as
template source.
"""

import logging

from layers.page import DataLayer, check_page, html_text, js_value
from layers.sites import sites_layer
from layers.text import text

__all__ = ["DataLayer", "check_page", "html_text", "js_value", "sites_layer", "text"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
