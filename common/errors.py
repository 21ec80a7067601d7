"""The kinds of failure a user sees as one line on stderr (common/cli.py: main_guard)."""
import argparse
import zipfile


class UsageError(Exception):
    """The command line asks for what cannot be (an unknown flag, a value out of range, flags
    that do not go together): one line on stderr, exit code 2, nothing done."""


class ScriptError(Exception):
    """Something the command names or needs cannot be used (a file, a folder, the data, a model),
    or the run failed: one line on stderr, exit code 1. The user can fix it."""


def check_archive(path):
    """A ScriptError for a model file that is no zip archive, as model.keras and model.npz are
    (Keras would call it "not found")."""
    if not zipfile.is_zipfile(path):
        raise ScriptError(f"cannot load the model {path}: it is not a saved model (a {path.suffix} file is a zip "
                          "archive, this is none: a file renamed, or cut short while copied?)")


def cannot_load(path, error):
    """The ScriptError for a model file that NumPy or Keras could not load (they raise many kinds)."""
    detail = str(error).splitlines()[0] if str(error) else "damaged file"
    return ScriptError(f"cannot load the model {path}: {type(error).__name__}: {detail}")


class OneLineParser(argparse.ArgumentParser):
    """argparse, whose mistakes are a UsageError (one line) instead of its usage and an error."""

    def error(self, message):
        raise UsageError(f"{message} (see --help)")


# What the frameworks raise when an allocation fails: NumPy's MemoryError, TensorFlow's
# ResourceExhaustedError, PyTorch's OutOfMemoryError or a RuntimeError, JAX's RESOURCE_EXHAUSTED.
OUT_OF_MEMORY_TYPES = ("MemoryError", "ResourceExhaustedError", "OutOfMemoryError")
OUT_OF_MEMORY_WORDS = ("out of memory", "not enough memory", "resource_exhausted", "can't allocate memory",
                       "cannot allocate memory", "failed to allocate")


def is_out_of_memory(error):
    named = {kind.__name__ for kind in type(error).__mro__}
    said = str(error)[:500].lower()
    return bool(named & set(OUT_OF_MEMORY_TYPES)) or any(words in said for words in OUT_OF_MEMORY_WORDS)


def out_of_memory(argv):
    """The one line for a run whose settings need more memory than the machine has."""
    flags = " ".join(argv) or "the defaults"
    return ScriptError(f"out of memory: the settings ({flags}) need more memory than this machine has; "
                       "try smaller values (--help lists them)")

