"""Every error hailin raises on purpose is a HailinError, with the builtin it
is a kind of as its second base; a workspace error is a FileNotFoundError only
when the workspace's file is missing."""

import ast
import pathlib

import pytest

from hailin.geo.errors import HailinError
from hailin.surveys.errors import NotAWorkspaceError, WorkspaceError, WorkspaceExistsError
from hailin.surveys.workspace import Workspace

ROOT = pathlib.Path(__file__).resolve().parent.parent
BUILTINS = {"ValueError", "TypeError", "KeyError", "LookupError", "OSError", "FileNotFoundError"}


def test_no_module_raises_a_bare_builtin():
    raised = []
    for package in ("geo", "surveys", "layers", "maps", "hailin"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                    name = getattr(node.exc.func, "id", None)
                    if name in BUILTINS:
                        raised.append(f"{path.relative_to(ROOT).as_posix()}:{node.lineno} {name}")
    assert raised == []


def test_a_missing_workspace_is_a_missing_file(tmp_path):
    with pytest.raises(NotAWorkspaceError, match="is not a hailin workspace") as caught:
        Workspace(tmp_path)
    assert isinstance(caught.value, FileNotFoundError) and isinstance(caught.value, HailinError)


def test_a_workspace_there_already_is_no_missing_file(tmp_path):
    Workspace.create(tmp_path / "ws")
    with pytest.raises(WorkspaceExistsError, match="already holds") as caught:
        Workspace.create(tmp_path / "ws")
    assert isinstance(caught.value, FileExistsError) and isinstance(caught.value, WorkspaceError)
    assert not isinstance(caught.value, FileNotFoundError)
