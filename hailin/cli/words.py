"""The language a command speaks: its workspace's (``language`` in
hailin.toml), else the system's locale. Errors, usage errors of click too,
are said in it through the one catalogue (:mod:`hailin.translate`)."""

import functools
import os
import re

import click

from hailin.translate import say, translate

_CHINESE = re.compile(r"[\u4e00-\u9fff]")
# hailin.toml's language line, read alone when the rest of the file does not parse.
_LANGUAGE_LINE = re.compile(rb"""^\s*language\s*=\s*["'](zh|en)["']""", re.MULTILINE)


def workspace_language(explicit=None):
    """``language`` of the workspace a command uses (-w, $HAILIN_WORKSPACE or the
    current folder), or None when there is none or its settings do not read."""
    from hailin.surveys.settings import MAX_SETTINGS_BYTES, SETTINGS_FILE, parse_settings

    root = explicit or os.environ.get("HAILIN_WORKSPACE") or os.getcwd()
    try:
        with open(os.path.join(root, SETTINGS_FILE), "rb") as handle:
            data = handle.read(MAX_SETTINGS_BYTES + 1)
    except OSError:  # no workspace
        return None
    try:
        return parse_settings(data).language
    except ValueError:  # settings that fail are said in the language their line names
        found = _LANGUAGE_LINE.search(data)
        return found.group(1).decode() if found else None


def language(ctx=None):
    """The language of the running command: its workspace's, else the locale's."""
    ctx = ctx or click.get_current_context(silent=True)
    # -w as parsed: a usage error may come before the group's callback keeps it
    explicit = ctx.find_root().params.get("workspace") if ctx is not None else None
    found = workspace_language(explicit)
    if found:
        return found
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if os.environ.get(name):
            return "zh" if os.environ[name].lower().startswith("zh") else "en"
    return "en"


def error_line(message, lang):
    """The one line a failed command prints: ``hailin: error: …`` in ``lang``
    (a message with no Chinese yet keeps the English frame, one language a line).

    Examples
    --------
    >>> error_line("no such file", "zh")
    'hailin：错误：文件不存在'
    >>> error_line("a message with no Chinese yet", "zh")
    'hailin: error: a message with no Chinese yet'
    """
    text = translate(message, lang)
    if not _CHINESE.search(text):
        lang = "en"
    return say("hailin: error: {message}", lang, message=text)


def located(file, row, column, message, lang):
    """``message`` about ``file`` (at ``row`` and ``column`` when known) in ``lang``.

    Examples
    --------
    >>> located("a.csv", 3, "经度", "no coordinates", "zh")
    "a.csv，第 3 行，列 '经度'：没有坐标"
    """
    column = repr(column) if column else None
    words = ", ".join(
        ["{file}"]
        + (["row {row}"] if row is not None else [])
        + (["column {column}"] * bool(column))
    )
    message = translate(message, lang)
    return say(words + ": {message}", lang, file=file, row=row, column=column, message=message)


def error_text(error, lang):
    """What a hailin error says in ``lang``: a file's error framed by its file,
    row and column as the import frames them, the reason translated alone."""
    if getattr(error, "reason", None) is not None and getattr(error, "file", None):
        return located(error.file, error.row, error.column, error.reason, lang)
    return translate(str(error), lang)


def bug_line(message, lang):
    """The line of a hailin bug (``hailin: internal error …``) in ``lang``.

    Examples
    --------
    >>> bug_line("internal error (ZeroDivisionError: x) (a hailin bug); details in a.log", "zh")
    'hailin：内部错误（ZeroDivisionError: x）（hailin 的缺陷）；详情见 a.log'
    """
    text = translate(message, lang)
    return ("hailin：" if _CHINESE.search(text) else "hailin: ") + text


def _show(error, file=None):
    """A usage error said in Chinese: the usage line, the hint, the reason."""
    lang = language(error.ctx)
    if error.ctx is not None:
        usage = error.ctx.get_usage().replace("Usage: ", say("Usage:", lang), 1)
        click.echo(usage, file=file, err=file is None)
        hint = say("Try '{command} -h' for help.", lang, command=error.ctx.command_path)
        click.echo(hint + "\n", file=file, err=file is None)
    click.echo(error_line(_message(error, lang), lang), file=file, err=file is None)


def _message(error, lang):
    """A usage error's message, a bad value's reason translated on its own first
    (so that no shape of hailin's swallows click's "Invalid value for …")."""
    if not isinstance(error, click.BadParameter):
        return error.format_message()
    reason = error.message
    error.message = translate(reason, lang)  # type: ignore[misc]
    try:
        return error.format_message()
    finally:
        error.message = reason  # type: ignore[misc]


class HailinGroup(click.Group):
    """The `hailin` group: usage errors in the workspace's language."""

    def make_context(self, info_name, args, parent=None, **extra):
        with _said():
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        with _said():
            return super().invoke(ctx)


class _said:
    """Gives a usage error raised inside a Chinese show() (English: click's own)."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, _traceback):
        if isinstance(error, click.UsageError) and language(error.ctx) == "zh":
            error.show = functools.partial(_show, error)  # type: ignore[method-assign]
        return False
