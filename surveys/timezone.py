"""The default time zone, apart from :mod:`hailin.surveys.localtime` so that settings
and the command line name it without loading pandas."""

# The time zone of Fuding, for workspaces that do not name one.
DEFAULT_TIMEZONE = "Asia/Shanghai"
