"""Pure row checks: a file's raw table into survey records or plots, and rejects.

Nothing here opens a file or the store: a :class:`hailin.surveys.io.raw.RawTable` comes
in, accepted rows and rejected rows (each with its reason) go out.
"""
