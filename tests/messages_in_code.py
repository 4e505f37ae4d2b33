"""Every message a user can read, found in the library's source with :mod:`ast`
(for tests/test_every_message.py): the text given to a hailin error or a
click error, to warnings.warn, to an import summary's notes, to a row's
refusal, and the prose the command line echoes. An f-string becomes its
shape, each ``{expression}`` a slot."""

import ast
import dataclasses
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGES = ("hailin", "geo", "surveys", "layers", "maps")
CLICK_ERRORS = {"UsageError", "BadParameter", "ClickException", "BadOptionUsage", "FileError"}
# Calls whose first argument is a message: notes of an import summary, warnings.
NOTE_CALLS = {"note", "warn"}


@dataclasses.dataclass(frozen=True)
class Site:
    """One message in the code: where, and its shape ("{} is negative")."""

    file: str
    line: int
    shape: str | None  # None: built in a way no shape can be read from

    def __str__(self):
        return f"{self.file}:{self.line}: {self.shape!r}"


def error_names():
    """Names of every hailin error class and the click errors a command raises."""
    import importlib
    import pkgutil

    import hailin
    from hailin.geo.errors import HailinError

    for module in pkgutil.walk_packages(hailin.__path__, "hailin."):
        if ".web." in module.name or module.name.endswith(".web"):
            continue  # the portal's modules need Django settings; its errors are in errors.py
        importlib.import_module(module.name)
    names, todo = set(), [HailinError]
    while todo:
        kind = todo.pop()
        names.add(kind.__name__)
        todo.extend(kind.__subclasses__())
    return names | CLICK_ERRORS


def shape(node):
    """The shape of a message node: its text with every {expression} a "{}", or None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("{", "{{").replace("}", "}}")
    if isinstance(node, ast.JoinedStr):
        parts = []
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value).replace("{", "{{").replace("}", "}}"))
            elif isinstance(value.value, ast.Call) and _callee(value.value) == "over_limit":
                parts.append("{} (limit {})")  # surveys.limits.over_limit's own shape
            else:
                parts.append("{}")
        return "".join(parts)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = shape(node.left), shape(node.right)
        return None if left is None or right is None else left + right
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
    ):
        import re

        return re.sub(r"\{[^{}]*\}", "{}", node.func.value.value)
    return None


def _callee(node):
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def _message_arg(node, errors):
    """The node holding the message a call gives, or None for a call of no message."""
    name = _callee(node)
    if name in errors or name in NOTE_CALLS:
        if node.args:
            return node.args[0]
        for keyword in node.keywords:
            if keyword.arg in ("message", "msg"):
                return keyword.value
        return None
    if name == "add" and len(node.args) == 3:  # Problems.add(mask, column, message)
        return node.args[2]
    if name == "refuse_past" and len(node.args) >= 3:  # '{message} (limit {limit}{unit})'
        return node.args[2]
    return None


def _assigned(function, name):
    """Values assigned to ``name`` inside ``function`` (a message built before it is raised)."""
    values = []
    for node in ast.walk(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    values.append(node.value)
    return values


def _passed_on(node):
    """A message made elsewhere and handed on (str(error), a parameter): its
    own site is where it is written, or the bad-file corpus test's."""
    if isinstance(node, ast.Call) and _callee(node) in ("str", "join", "describe"):
        return True
    return isinstance(node, (ast.Name, ast.Subscript, ast.Attribute))


def _returned(tree):
    """Functions of a module that return one message: name -> the message node."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and isinstance(node.body[-1], ast.Return):
            value = node.body[-1].value
            if shape(value) is not None:
                found[node.name] = value
    return found


def _shapes(node, scope, returned=None):
    """Shapes of a message node; a name assigned in its function is followed
    once, and a call of a function of the module that returns one message."""
    if isinstance(node, ast.IfExp):
        return _shapes(node.body, scope) + _shapes(node.orelse, scope)
    if isinstance(node, ast.Call) and _callee(node) in (returned or {}):
        return [shape(returned[_callee(node)])]
    if isinstance(node, ast.Name) and scope is not None:
        values = _assigned(scope, node.id)
        if values:
            return [s for value in values for s in _shapes(value, None)]
    if _passed_on(node):
        return []
    return [shape(node)]


def sites(packages=PACKAGES):
    """Every message site in the packages' source (tests and bench are not read)."""
    errors = error_names()
    found = []
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            relative = str(path.relative_to(ROOT))
            returned = _returned(tree)
            for scope in ast.walk(tree):
                if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Module)):
                    continue
                if getattr(scope, "name", "") == "refuse_past":
                    continue  # its callers' messages are read with its suffix
                for node in _own_nodes(scope):
                    if not isinstance(node, ast.Call):
                        continue
                    message = _message_arg(node, errors)
                    if message is None:
                        continue
                    for text in _shapes(message, scope, returned):
                        if text is None and _callee(node) == "add":
                            continue  # a message per row: the bad-file corpus test's
                        if text is not None and _callee(node) == "refuse_past":
                            text += " (limit {}{})"
                        found.append(Site(relative, node.lineno, text))
    return found


def _own_nodes(scope):
    """Nodes of ``scope`` not inside a function nested in it."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        yield node
        todo.extend(ast.iter_child_nodes(node))
