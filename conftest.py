"""Doctests of the library, imported by the names it installs under.

The repository keeps ``geo/``, ``surveys/``, ``layers/`` and ``maps/`` at its top,
installed as ``hailin.geo`` and so on (pyproject's package-dir). pytest's own
``--doctest-modules`` would import ``geo/crs.py`` as a second module named
``geo.crs``; these doctests run in the module the package really is.
"""

import importlib
import pathlib

import pytest
from _pytest.doctest import DoctestModule

ROOT = pathlib.Path(__file__).resolve().parent
INSTALLED_AS = {
    "geo": "hailin.geo",
    "surveys": "hailin.surveys",
    "layers": "hailin.layers",
    "maps": "hailin.maps",
    "hailin": "hailin",
}


def installed_name(path: pathlib.Path) -> str | None:
    """``hailin.geo.crs`` for ``geo/crs.py``; None outside the library folders."""
    try:
        parts = list(path.resolve().relative_to(ROOT).with_suffix("").parts)
    except ValueError:
        return None
    if len(parts) < 2 or parts[0] not in INSTALLED_AS:
        return None
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([INSTALLED_AS[parts[0]], *parts[1:]])


class InstalledDoctestModule(DoctestModule):
    """A library module's doctests, run in the module imported by its installed name."""

    def _getobj(self):
        return importlib.import_module(installed_name(self.path))


def _library_module(path: pathlib.Path) -> bool:
    return path.suffix == ".py" and path.name != "conftest.py" and installed_name(path) is not None


def pytest_collect_directory(path, parent):
    """geo/ and the rest as plain folders: a pytest Package would import their
    ``__init__.py`` by the bare name (``geo``) to look for setup functions."""
    name = installed_name(path / "__init__.py")
    if name and name != "hailin" and name.count(".") >= 1 and (path / "__init__.py").exists():
        return pytest.Dir.from_parent(parent, path=path)
    return None


def pytest_collect_file(file_path, parent):
    # A file named on the command line is collected by pytest_pycollect_makemodule.
    if _library_module(file_path) and not parent.session.isinitpath(file_path):
        return InstalledDoctestModule.from_parent(parent, path=file_path)
    return None


def pytest_pycollect_makemodule(module_path, parent):
    """``pytest geo/crs.py`` runs that module's doctests, imported as installed."""
    if _library_module(module_path):
        return InstalledDoctestModule.from_parent(parent, path=module_path)
    return None


BARE_NAMES = ("geo", "surveys", "layers", "maps")


def pytest_sessionfinish(session, exitstatus):
    """Fail the run if anything imported the library folders by their bare names:
    the repository root is on sys.path under ``python -m pytest``, so a stray
    ``from maps import …`` would pass here and break every installed copy."""
    import sys

    bare = sorted(name for name in sys.modules if name.split(".")[0] in BARE_NAMES)
    if bare:
        print(f"\nimported by bare names (should be hailin.*): {', '.join(bare[:10])}")
        session.exitstatus = 1
