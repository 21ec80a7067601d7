"""Files that are never half-written and never replace another: the ground floor under every
record the project writes (run folders, caches, figures, pages). Standard library only."""
import datetime
import os
from pathlib import Path


def write_atomically(path, write):
    """Write through a temporary file and rename it: a crash never leaves half a file."""
    path = Path(path)
    temporary = path.with_name(f".{path.stem}.partial{path.suffix}")  # keeps the suffix Keras checks
    try:
        write(temporary)
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def write_text(path, text):
    return write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))


def timestamp():
    """A new run folder's name: the time it started, to the second."""
    return datetime.datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


def new_file(folder, suffix, stem=""):
    """A path under `folder` (made if missing) named for the time now, `stem` and `suffix`, that
    names no existing file: a figure or page never replaces an earlier one."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path, number = folder / f"{timestamp()}{stem}{suffix}", 1
    while path.exists():
        number += 1
        path = folder / f"{timestamp()}{stem}-{number}{suffix}"
    return path
