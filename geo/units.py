"""Area units, apart from :mod:`hailin.geo.area` so that the command line offers them
without loading pyproj or shapely."""

M2_PER_MU = 10000.0 / 15.0
M2_PER_HA = 10000.0
# Square metres per unit.
UNITS = {"m2": 1.0, "ha": M2_PER_HA, "mu": M2_PER_MU}
