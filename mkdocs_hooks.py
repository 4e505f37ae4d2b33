"""mkdocs hook: the API reference reads the package as it is installed.

geo/, surveys/, layers/ and maps/ install as hailin.geo … (pyproject's
package-dir); mkdocstrings reads source statically, so it is pointed at a
temporary tree of links laid out as the installed package."""

import pathlib
import shutil
import tempfile

from mkdocs.plugins import event_priority

ROOT = pathlib.Path(__file__).resolve().parent
FOLDERS = ("geo", "surveys", "layers", "maps")


def installed_tree() -> str:
    """A temporary folder holding ``hailin/`` as installed, made of links."""
    top = pathlib.Path(tempfile.mkdtemp(prefix="hailin-api-"))
    package = top / "hailin"
    package.mkdir()
    for entry in (ROOT / "hailin").iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                (package / entry.name).symlink_to(entry)
        else:
            # Copied, not linked: a linked __init__.py resolves back to the repository's
            # hailin/, where geo/ and the rest are not.
            shutil.copy2(entry, package / entry.name)
    for folder in FOLDERS:
        (package / folder).symlink_to(ROOT / folder)
    return str(top)


@event_priority(100)  # before mkdocstrings makes its handler from this config
def on_config(config):
    python = config["plugins"]["mkdocstrings"].config["handlers"].setdefault("python", {})
    python["paths"] = [installed_tree()]
    return config


def on_shutdown():
    for tree in pathlib.Path(tempfile.gettempdir()).glob("hailin-api-*"):
        shutil.rmtree(tree, ignore_errors=True)
