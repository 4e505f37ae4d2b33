"""A workspace folder: hailin.toml, the hailin.gpkg store, uploads/ and out/."""

import contextlib
import os

from geo.sites import load_sites, normalize_sites
from surveys.errors import WorkspaceError
from surveys.readers import read_vector
from surveys.settings import LANGUAGES, SETTINGS_FILE, TEMPLATE, parse_settings
from surveys.store import Store

STORE_FILE = "hailin.gpkg"
ENVIRONMENT_VARIABLE = "HAILIN_WORKSPACE"
SITES_LAYER = "sites"


class Workspace:
    """One monitoring workspace on disk.

    Examples
    --------
    >>> import tempfile
    >>> ws = Workspace.create(tempfile.mkdtemp())
    >>> ws.sites()["site_id"].tolist()
    ['kewan', 'xuncheng', 'luochun']
    """

    def __init__(self, root, /):
        self.root = os.path.abspath(root)
        if not os.path.isfile(self.settings_path):
            raise WorkspaceError(
                f"{self.root} is not a hailin workspace (no {SETTINGS_FILE}); "
                f"create one with `hailin init {root}` or point to one with -w DIR "
                f"or ${ENVIRONMENT_VARIABLE}"
            )
        with open(self.settings_path, encoding="utf-8") as handle:
            self.settings = parse_settings(handle.read(), source=self.settings_path)

    @property
    def settings_path(self):
        return os.path.join(self.root, SETTINGS_FILE)

    @property
    def store_path(self):
        return os.path.join(self.root, STORE_FILE)

    @property
    def uploads_dir(self):
        return os.path.join(self.root, "uploads")

    @property
    def out_dir(self):
        return os.path.join(self.root, "out")

    @classmethod
    def create(cls, root, /, *, language="zh"):
        """Make a new workspace in ``root`` (created if missing, must not hold one)."""
        if language not in LANGUAGES:
            raise WorkspaceError(f"language should be one of {LANGUAGES}, got {language!r}")
        os.makedirs(root, exist_ok=True)
        settings_path = os.path.join(root, SETTINGS_FILE)
        if os.path.exists(settings_path):
            raise WorkspaceError(f"{os.path.abspath(root)} already holds a hailin workspace")
        for folder in ("uploads", "out"):
            os.makedirs(os.path.join(root, folder), exist_ok=True)
        with Store.open(os.path.join(root, STORE_FILE), create=True) as store:
            store.replace(SITES_LAYER, load_sites())
        with open(settings_path, "w", encoding="utf-8") as handle:
            handle.write(TEMPLATE.format(language=language))
        return cls(root)

    @classmethod
    def find(cls, explicit=None):
        """The workspace from ``-w``, else ``$HAILIN_WORKSPACE``, else the current folder."""
        root = explicit or os.environ.get(ENVIRONMENT_VARIABLE) or os.getcwd()
        return cls(root)

    @contextlib.contextmanager
    def store(self):
        with Store.open(self.store_path) as store:
            yield store

    def sites(self):
        with self.store() as store:
            return store.read(SITES_LAYER)

    def import_sites(self, path, /):
        """Replace the site registry with the boundaries in ``path``."""
        sites = normalize_sites(read_vector(path), source=os.path.basename(path))
        with self.store() as store:
            store.replace(SITES_LAYER, sites)
        return sites

    def import_options(self, **flags):
        """ImportOptions with this workspace's timezone and distance limit."""
        from surveys.normalize import ImportOptions

        return ImportOptions(
            timezone=self.settings.timezone, max_distance_km=self.settings.max_distance_km, **flags
        )

    def import_file(self, path, /, *, dry_run=False, strict=False, progress=None, **flags):
        """Import one patrol file (flags: patrol_type, team, crs, sheet); see
        :func:`surveys.ingest.import_file`."""
        from surveys.ingest import import_file

        return import_file(
            self,
            path,
            self.import_options(**flags),
            dry_run=dry_run,
            strict=strict,
            progress=progress,
        )

    def surveys(self):
        """The accepted survey records."""
        from surveys.ingest import SURVEYS_LAYER, ensure_layers

        with self.store() as store:
            ensure_layers(store)
            return store.read(SURVEYS_LAYER)

    def rejects(self):
        """Rejected rows with their reasons."""
        from surveys.ingest import REJECTS_LAYER, ensure_layers

        with self.store() as store:
            ensure_layers(store)
            return store.read(REJECTS_LAYER)

    def uploads(self):
        """One row per upload: file, time, counts, status."""
        from surveys.ingest import UPLOADS_LAYER, ensure_layers

        with self.store() as store:
            ensure_layers(store)
            return store.read(UPLOADS_LAYER)

    def __repr__(self):
        return f"Workspace({self.root!r})"
