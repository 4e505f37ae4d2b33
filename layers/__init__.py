"""Map layers: one builder per layer, each returning (folium layer, legend entry)."""

import logging

from layers.sites import sites_layer
from layers.text import text

__all__ = ["sites_layer", "text"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
