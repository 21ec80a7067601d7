"""The command line: the UPPER_CASE constants at the top of a script are its settings.

Each constant can be overridden from the shell by its lower-case dashed name
(`EPOCHS` -> `--epochs 5`), converted to the constant's type and checked against the
rules below. `--help` lists every name with its current value and the comment beside
it in the script. This module imports nothing heavy: `--help` and argument errors
answer at once, before TensorFlow loads.
"""
import argparse
import difflib
import json
import math
import re
import sys
from pathlib import Path
from types import SimpleNamespace

CONSTANT_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*[^#]+?(?:#\s*(.*))?$")
SETTING_TYPES = (bool, int, float, str)


class UsageError(Exception):
    """Bad input from the user: one line on stderr, exit code 2, nothing done."""


class ScriptError(Exception):
    """A failure the user can fix (no data, a bad file): one line on stderr, exit 1."""


def flag_name(name):
    return "--" + name.lower().replace("_", "-")


def settings_of(script_globals):
    """The script's settings: every UPPER_CASE constant of a plain type, in file order."""
    return {
        name: value
        for name, value in script_globals.items()
        if name.isupper() and type(value) in SETTING_TYPES and not name.startswith("_")
    }


def read_comments(script_path):
    """Map each constant to (heading, comment) as written in the script's source.

    A heading is a comment line standing directly above a constant (`# Training`).
    """
    comments, heading, previous = {}, "settings", ""
    try:
        lines = Path(script_path).read_text(encoding="utf-8").splitlines()
    except OSError:
        return comments
    for line in lines:
        if match := CONSTANT_LINE.match(line):
            if previous.startswith("#"):
                heading = previous.lstrip("# ").lower()
            comments[match.group(1)] = (heading, match.group(2) or "")
        previous = line.strip()
    return comments


# Ranges every script shares, keyed by setting name; the first matching rule applies.
def _rules(name, value):
    if name == "SEED":
        return value >= 0, "must be an integer >= 0"
    if name == "NUM_WORDS":
        return value >= 4, "must be at least 4: ids 0, 1 and 2 are reserved (padding, start, unknown word)"
    if name == "TEMPERATURE":
        return value >= 0, "must be >= 0 (0 takes the likeliest letter)"
    if "SPLIT" in name:
        return 0 < value < 1, "must be between 0 and 1, exclusive"
    if "DROPOUT" in name:
        return 0 <= value < 1, "must be in [0, 1)"
    if type(value) is int:
        return value >= 1, "must be a positive integer"
    if type(value) is float:
        return math.isfinite(value) and value > 0, "must be a positive number"
    return True, ""


def convert(name, text, default, choices=None):
    """Convert `text` to the type of `default` and check it, or raise UsageError."""
    kind = type(default)
    try:
        if kind is bool:
            lowered = text.lower()
            if lowered not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            value = lowered in ("true", "1", "yes")
        else:
            value = kind(text)
    except ValueError:
        raise UsageError(f"{flag_name(name)} expects {kind.__name__}, got {text!r}") from None
    check_value(name, value, choices)
    return value


def check_value(name, value, choices=None):
    if choices and value not in choices:
        raise UsageError(f"{flag_name(name)} must be one of {', '.join(choices)}; got {value!r}")
    ok, rule = _rules(name, value)
    if not ok:
        raise UsageError(f"{flag_name(name)} {rule}; got {value!r}")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(f"{message} (see --help)")


def build_parser(script_globals, options=(), choices=None):
    settings = settings_of(script_globals)
    comments = read_comments(script_globals.get("__file__", ""))
    docstring = (script_globals.get("__doc__") or "").strip()
    parser = _Parser(
        prog=Path(script_globals.get("__file__", "script")).name,
        description=docstring.split("\n\n")[0],
        epilog="Every setting is a constant at the top of the script; a flag overrides it for one run.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # --epoch must not silently mean --epochs
    )
    groups = {}
    for name, value in settings.items():
        heading, comment = comments.get(name, ("settings", ""))
        if heading not in groups:
            groups[heading] = parser.add_argument_group(heading)
        allowed = f" {{{','.join(choices[name])}}}" if choices and name in choices else ""
        groups[heading].add_argument(
            flag_name(name), dest=name, default=None, metavar=type(value).__name__.upper(),
            help=f"{comment} (now {value!r}){allowed}".strip(),
        )
    run = parser.add_argument_group("run")
    run.add_argument("--out", metavar="DIR",
                     help="folder for this run's outputs (default: runs/SCRIPT/TIMESTAMP); must be new or empty")
    run.add_argument("--dry-run", action="store_true", help="whole pipeline on small synthetic data, in seconds")
    run.add_argument("--show", action="store_true", help="also open the plot in a window")
    run.add_argument("--rerun", metavar="RUN_FOLDER",
                     help="repeat a recorded run with its settings (flags given here still apply)")
    for flag, kwargs in options:
        run.add_argument(flag, **kwargs)
    return parser


def recorded_settings(run_folder, script):
    """The settings and dry-run flag recorded in an earlier run's metrics.json."""
    path = Path(run_folder) / "metrics.json"
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
        settings, recorded_script = recorded["settings"], recorded["script"]
    except (OSError, ValueError, KeyError, TypeError):
        raise UsageError(f"--rerun: {path} is missing or is not a run's metrics.json") from None
    if recorded_script != script:
        raise UsageError(f"--rerun: {run_folder} is a run of {recorded_script}, not of {script}")
    return {name.upper(): value for name, value in settings.items()}, bool(recorded.get("synthetic_data"))


def parse(script_globals, argv=None, options=(), choices=None):
    """Parse the command line against the script's constants.

    Returns (config, args): config holds every setting under its lower-case name;
    args holds the run options (out, dry_run, show, rerun and the script's own).
    """
    parser = build_parser(script_globals, options, choices)
    args, unknown = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if unknown:
        known = [a for action in parser._actions for a in action.option_strings]
        guess = difflib.get_close_matches(unknown[0].split("=")[0], known, n=1)
        hint = f"; did you mean {guess[0]}?" if guess else " (see --help)"
        raise UsageError(f"unknown option {unknown[0]}{hint}")
    settings = settings_of(script_globals)
    if args.rerun:
        recorded, synthetic = recorded_settings(args.rerun, Path(script_globals["__file__"]).stem)
        for name, value in recorded.items():
            if name in settings:
                check_value(name, value, (choices or {}).get(name))
                settings[name] = type(settings[name])(value)
        args.dry_run = args.dry_run or synthetic
    for name, default in settings.items():
        text = getattr(args, name)
        if text is not None:
            settings[name] = convert(name, text, default, (choices or {}).get(name))
        delattr(args, name)
    args.script = Path(script_globals.get("__file__", "script")).stem
    config = SimpleNamespace(**{name.lower(): value for name, value in settings.items()})
    return config, args


def main_guard(main, argv=None):
    """Run a script's main(): user errors become one line and an exit code, never a traceback."""
    prog = Path(sys.argv[0]).name
    try:
        code = main(argv)
    except UsageError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        code = 2
    except ScriptError as error:
        print(f"{prog}: error: {error}", file=sys.stderr)
        code = 1
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        code = 130
    sys.exit(code or 0)
