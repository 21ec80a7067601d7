"""The two kinds of failure a user sees as one line on stderr (common/cli.py: main_guard)."""


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit code 2, nothing done."""


class ScriptError(Exception):
    """A failure the user can fix (no data, a bad file): one line on stderr, exit code 1."""
