"""The two kinds of failure a user sees as one line on stderr (common/cli.py: main_guard)."""


class UsageError(Exception):
    """The command line asks for what cannot be (an unknown flag, a value out of range, flags
    that do not go together): one line on stderr, exit code 2, nothing done."""


class ScriptError(Exception):
    """Something the command names or needs cannot be used (a file, a folder, the data, a model),
    or the run failed: one line on stderr, exit code 1. The user can fix it."""


def cannot_load(path, error):
    """The ScriptError for a model file that NumPy or Keras could not load (they raise many kinds)."""
    detail = str(error).splitlines()[0] if str(error) else "damaged file"
    return ScriptError(f"cannot load the model {path}: {type(error).__name__}: {detail}")
