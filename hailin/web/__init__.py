"""The patrol portal: a Django service on a hailin workspace.

Patrol teams upload their files from a phone and see at once what was
accepted; viewers see the maps, the ledger and the progress figures; admins
manage accounts and withdraw uploads. Every import goes through
:meth:`surveys.Workspace.import_file`, exactly as ``hailin import`` does.
Start it with ``hailin serve`` (gunicorn, several workers, plus one
background worker for alerts and maps).
"""

import os

SETTINGS_MODULE = "hailin.web.settings"


def setup(workspace_root, /):
    """Configure Django for the workspace at ``workspace_root`` in this process."""
    import django

    os.environ["HAILIN_WORKSPACE"] = os.path.abspath(workspace_root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    django.setup()
