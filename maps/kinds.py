"""The names of the maps hailin draws, without folium: the command line offers
them at once; :data:`hailin.maps.programme.MAPS` holds the functions."""

MAP_KINDS = ("clearance", "restoration", "overview")
