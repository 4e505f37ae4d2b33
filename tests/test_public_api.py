"""The public API: everything the packages re-export is typed, documented with
numpydoc Examples, and its Examples run."""

import doctest
import importlib
import inspect

import pytest

PACKAGES = ["hailin.geo", "hailin.surveys", "hailin.layers", "hailin.maps", "hailin"]


def exported():
    """(qualified name, object) for every function, class and public method re-exported."""
    seen = {}
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            obj = getattr(module, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)):
                continue  # constants: documented where they are defined
            seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                for attribute, value in vars(obj).items():
                    if attribute.startswith("_"):
                        continue
                    if isinstance(value, classmethod | staticmethod):
                        value = value.__func__
                    if isinstance(value, property):
                        value = value.fget
                    if inspect.isfunction(value) and value.__name__ != "<lambda>":
                        seen.setdefault(f"{obj.__module__}.{value.__qualname__}", value)
    return sorted(seen.items())


EXPORTED = exported()
FUNCTIONS = [(name, obj) for name, obj in EXPORTED if inspect.isfunction(obj)]


def test_the_packages_export_what_they_name():
    names = [name for name, _ in EXPORTED]
    assert "hailin.geo.area.area" in names
    assert "hailin.surveys.workspace.Workspace.frames" in names
    assert "hailin.surveys.workspace.Workspace.evidence" in names  # photos: ws.evidence
    assert "hailin.surveys.evidence.Evidence.import_photo" in names
    assert "hailin.surveys.workspace.Workspace.import_photo" not in names
    assert "hailin.maps.programme.overview_map" in names
    assert len(names) > 60


def is_method(obj):
    return inspect.isfunction(obj) and "." in obj.__qualname__


@pytest.mark.parametrize(("name", "obj"), EXPORTED, ids=[name for name, _ in EXPORTED])
def test_numpydoc_with_examples(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    if is_method(obj):
        return  # documented in a line or two; the class's Examples show them at work
    assert "Examples\n--------\n>>> " in doc, f"{name}: no numpydoc Examples section"
    if inspect.isfunction(obj):
        parameters = [p for p in inspect.signature(obj).parameters if p not in ("self", "cls")]
        if parameters:
            assert "Parameters\n----------\n" in doc, f"{name}: no Parameters section"
            for parameter in parameters:
                assert parameter in doc.split("Parameters\n")[1], (
                    f"{name}: {parameter} undocumented"
                )


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_type_hints(name, function):
    signature = inspect.signature(function)
    unhinted = [
        parameter.name
        for parameter in signature.parameters.values()
        if parameter.annotation is inspect.Parameter.empty and parameter.name not in ("self", "cls")
    ]
    assert not unhinted, f"{name}: parameters without a type hint: {unhinted}"
    assert signature.return_annotation is not inspect.Signature.empty, f"{name}: no return hint"


@pytest.mark.parametrize(("name", "obj"), EXPORTED, ids=[name for name, _ in EXPORTED])
def test_examples_run(name, obj):
    module = inspect.getmodule(obj)
    finder = doctest.DocTestFinder(recurse=False)
    tests = [t for t in finder.find(obj, name, module=module, globs=vars(module)) if t.examples]
    if is_method(obj) and not tests:
        return
    assert tests, f"{name}: no doctest found"
    runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
    report = []
    for test in tests:
        test.globs = dict(test.globs)
        runner.run(test, out=report.append)
    assert runner.failures == 0, "".join(report)
