"""A package's exports, imported when first used.

``import surveys`` (or ``geo``, ``maps``, ``hailin``) then costs no
geopandas, pandas or folium: the command line starts at once and a module that
needs one light name does not pull in the rest (see tests/test_cli_start.py).
"""

import importlib
import sys
import types
from collections.abc import Callable, Iterable


def lazy_exports(
    package: str, modules: dict[str, Iterable[str]]
) -> tuple[Callable[[str], object], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package`` whose names
    ``modules`` ({module: names}) are imported from their module when first
    asked for, then kept in the package.

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("hailin.geo", {"hailin.geo.gcj02": ["wgs84_to_gcj02"]})
    >>> getattr_("wgs84_to_gcj02").__module__
    'hailin.geo.gcj02'
    >>> "wgs84_to_gcj02" in dir_()
    True
    """
    home = {name: module for module, names in modules.items() for name in names}
    _keep_exports_over_submodules(package, set(home) & {m.rsplit(".", 1)[-1] for m in modules})

    def __getattr__(name: str) -> object:
        module = home.get(name)
        if module is None:
            # The protocol of a module's __getattr__ (hasattr, from-imports).
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(home))

    return __getattr__, __dir__


def _keep_exports_over_submodules(package: str, names: set[str]) -> None:
    """Importing a submodule sets it on its package under its own name, so once
    ``hailin.geo.area`` (the module) is imported, ``from geo import area`` would give
    the module and not the function. The package keeps its export; the
    submodule stays reachable through ``sys.modules`` and ``from geo.area import``."""
    if not names:
        return

    class Package(types.ModuleType):
        def __setattr__(self, name: str, value: object) -> None:
            if name in names and isinstance(value, types.ModuleType):
                return
            super().__setattr__(name, value)

    sys.modules[package].__class__ = Package
