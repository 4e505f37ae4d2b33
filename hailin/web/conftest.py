"""Doctests of the portal's modules import Django models: configure Django on a
throwaway workspace folder first (the portal's real tests run a server)."""

import os
import tempfile

_before = os.environ.get("HAILIN_WORKSPACE")
os.environ["HAILIN_WORKSPACE"] = tempfile.mkdtemp(prefix="hailin-doctest-")
os.makedirs(os.path.join(os.environ["HAILIN_WORKSPACE"], "logs"))  # what the portal logs
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hailin.web.settings")

import django  # noqa: E402

django.setup()
# Other tests find workspaces through $HAILIN_WORKSPACE: leave it as it was.
if _before is None:
    del os.environ["HAILIN_WORKSPACE"]
else:
    os.environ["HAILIN_WORKSPACE"] = _before
