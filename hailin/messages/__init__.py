"""Every message shape hailin writes, one English template with named slots
each (the msgid of the one catalogue), grouped by who reads it; used by
:mod:`hailin.translate`. tests/test_every_message.py fails on a message in the
code that no template here fits."""

from hailin.messages import maps as _maps
from hailin.messages import patrol, planners, readers, workspace

TEMPLATES = (
    patrol.TEMPLATES
    + readers.TEMPLATES
    + workspace.TEMPLATES
    + planners.TEMPLATES
    + _maps.TEMPLATES
)
# Click's own message shapes (a usage error of the command line), its words for a path.
CLICK_WORDS = (
    "Missing argument {hint}.",
    "Missing option {hint}.",
    "Missing command.",
    "No such option {name}.",
    "No such option {name}. Did you mean {other}?",
    "No such option {name}. (Did you mean one of: {others}?)",
    "No such command {name}.",
    "Got unexpected extra argument ({args})",
    "Got unexpected extra arguments ({args})",
    "Option {name} requires an argument.",
    "Invalid value for {hint}: {reason}",
    "Invalid value: {reason}",
    "{value} is not one of {choices}.",
    "{value} is not a valid {kind}.",
    "{value} is not in the range {range}.",
    "{kind} {value} does not exist.",
    "{kind} {value} is a file.",
    "{kind} {value} is a directory.",
    "File",
    "Directory",
    "Path",
)
# Slots whose text is itself a message shape (translated in turn).
NESTED = (
    "words",
    "how",
    "reason",
    "kind",
    "cause",
    "holder",
    "what",
    "problem",
    "allowed",
    "features",
    "help",
)
# How the command line frames a file's summary and its messages (said with :func:`say`).
CLI_WORDS = (
    "{file}: {status} ({read} read, {accepted} accepted, {rejected} rejected)",
    "{file}: {status} ({read} read, {accepted} accepted, {rejected} rejected, "
    "{duplicate} already stored)",
    "(dry run) {summary}",
    "note: {message}",
    "note column {column}: {message}",
    "{file}, row {row}: {message}",
    "{file}, column {column}: {message}",
    "{file}, row {row}, column {column}: {message}",
    "{file}: {message}",
    "… {count} more rejected row(s)",
    "every rejected row: {path}",
    "hailin: error: {message}",
    "Try '{command} -h' for help.",
    "Usage:",
    # the error report's header
    "file",
    "row",
    "column",
    "reason",
    "raw",
    # an import's status, as the summary names it
    "accepted",
    "partial",
    "rejected",
    "duplicate",
)
