"""The two kinds of failure a user sees as one line on stderr (common/cli.py: main_guard)."""


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit code 2, nothing done."""


class ScriptError(Exception):
    """A failure the user can fix (no data, a bad file): one line on stderr, exit code 1."""


def cannot_load(path, error):
    """The ScriptError for a model file that NumPy or Keras could not load (they raise many kinds)."""
    detail = str(error).splitlines()[0] if str(error) else "damaged file"
    return ScriptError(f"cannot load the model {path}: {type(error).__name__}: {detail}")
