"""The command line: the UPPER_CASE constants at the top of a script are its settings.

A script closes its settings with one line,

    SETTINGS = cli.settings(globals(), rules={"TEST_SPLIT": cli.FRACTION})

and every UPPER_CASE constant of a plain type defined above that line is a setting; names
defined below it are not. Each can be overridden from the shell by its lower-case dashed
name (`EPOCHS` -> `--epochs 5`), is converted to the constant's type and checked against
its rule: the one the script names, else "positive" for a number. `--help` lists every
setting with its current value and the comment beside it in the script. This module
imports nothing heavy: `--help` and argument errors answer at once, before TensorFlow loads.
"""
import argparse
import difflib
import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from common import errors
from common.errors import ScriptError, UsageError  # noqa: F401 (scripts raise them as cli.UsageError)
from common.records.run_folder import recorded_settings
from common.signals import stop_quietly_on_signals, stop_quietly_when_stdout_closes

CONSTANT_LINE = re.compile(r"^([A-Z][A-Z0-9_]*)\s*=\s*[^#]+?(?:#\s*(.*))?$")
SETTING_TYPES = (bool, int, float, str)


@dataclass(frozen=True)
class Rule:
    """What a setting accepts beyond its type; `says` completes "--name ...: must be ..."."""

    holds: object  # value -> bool
    says: str
    choices: tuple = ()


def rule(holds, says):
    return Rule(holds, says)


def one_of(*choices):
    return Rule(lambda value: value in choices, f"must be one of {', '.join(choices)}", choices)


FRACTION = Rule(lambda value: 0 < value < 1, "must be between 0 and 1, exclusive")
POSITIVE_INTEGER = Rule(lambda value: value >= 1, "must be a positive integer")
POSITIVE_NUMBER = Rule(lambda value: math.isfinite(value) and value > 0, "must be a positive number")
NON_NEGATIVE = Rule(lambda value: value >= 0, "must be an integer >= 0")  # SEED
VOCABULARY_SIZE = Rule(lambda value: value >= 4,  # NUM_WORDS
                       "must be at least 4: ids 0, 1 and 2 are reserved (padding, start, unknown word)")
PRECISION = one_of("float32", "mixed_bfloat16")  # PRECISION: Keras's dtype policies, docs/speed.md
ANY = Rule(lambda value: True, "")
DEFAULT_RULES = {int: POSITIVE_INTEGER, float: POSITIVE_NUMBER}


@dataclass
class Settings:
    """A script's settings: their values in file order, their rules, and where the script is."""

    values: dict
    rules: dict
    script_path: Path
    description: str
    options: tuple  # argparse (flag, kwargs) pairs of the script's own, beyond the settings
    checks: tuple  # (config -> bool, message) pairs: rules that join several settings
    answering_reads: tuple = ()  # the settings that --predict, --gates, --attention or --generate read (ANSWERING)
    presets: dict = None  # setting -> {its value: {other setting: value}}: what a value brings with it (below)

    @property
    def script(self):
        return self.script_path.stem

    def rule_for(self, name):
        return self.rules.get(name) or DEFAULT_RULES.get(type(self.values[name]), ANY)

    def check(self, name, value):
        """Raise UsageError unless `value` keeps the rule of setting `name`."""
        rule = self.rule_for(name)
        if not rule.holds(value):
            raise UsageError(f"{flag_name(name)} {rule.says}; got {value!r}")


def settings(script_globals, rules=None, checks=(), options=(), answering_reads=(), presets=None):
    """The settings of the script whose globals() these are: every UPPER_CASE constant defined
    so far, each with its rule (rules: name -> Rule), then the checks that join several settings;
    answering_reads names the settings that a flag of ANSWERING (below) reads, if any; presets,
    what one setting's value brings with it, e.g. {"EDITION": {3: {"MAXLEN": 500, ...}}}: with
    --edition 3 those settings take those values, unless the command line gives them too.
    A rule for a name that is no setting, or a value that breaks its own rule, is the script
    author's mistake and raises ValueError at once.

    When the script runs as a program, its command line is answered here: --help, or a wrong
    flag, ends it now, before the imports below SETTINGS load Keras (seconds)."""
    values = {name: value for name, value in script_globals.items()
              if name.isupper() and not name.startswith("_") and type(value) in SETTING_TYPES}
    found = Settings(values, dict(rules or {}), Path(script_globals.get("__file__", "script")),
                     (script_globals.get("__doc__") or "").strip().split("\n\n")[0], tuple(options), tuple(checks),
                     tuple(answering_reads), dict(presets or {}))
    preset_names = {name for name in found.presets} | {setting for table in found.presets.values()
                                                       for preset in table.values() for setting in preset}
    if preset_names - values.keys():
        raise ValueError(f"presets name {sorted(preset_names - values.keys())}, which are no settings above them")
    for trigger, table in found.presets.items():
        for value, preset in table.items():
            if not found.rule_for(trigger).holds(value):
                raise ValueError(f"presets give {trigger} the value {value!r}, which breaks its rule")
            for name, preset_value in preset.items():
                if type(preset_value) is not type(values[name]) or not found.rule_for(name).holds(preset_value):
                    raise ValueError(f"the preset {trigger} = {value!r} gives {name} {preset_value!r}, which is not a "
                                     "value it takes")
    if found.rules.keys() - values.keys():
        raise ValueError(f"rules name {sorted(found.rules.keys() - values.keys())}, which are no settings above them")
    if set(found.answering_reads) - values.keys():
        raise ValueError(f"answering_reads names {sorted(set(found.answering_reads) - values.keys())}, which are no "
                         "settings above it")
    for name, value in values.items():
        if not found.rule_for(name).holds(value):
            raise ValueError(f"{name} = {value!r} breaks its rule ({found.rule_for(name).says}); "
                             "give it its own rule in rules={...}")
    if script_globals.get("__name__") == "__main__":
        answer_early(found)
    return found


def flag_name(name):
    return "--" + name.lower().replace("_", "-")


def script_defaults(script_path):
    """Each setting's value as the script's source writes it (the constants above its
    `SETTINGS = cli.settings(...)` line), read without running the script."""
    import ast

    defaults = {}
    for node in ast.parse(Path(script_path).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and [getattr(target, "id", "") for target in node.targets] == ["SETTINGS"]:
            break
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id.isupper()):
            try:
                defaults[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                pass  # not a plain value: no setting
    return {name: value for name, value in defaults.items() if type(value) in SETTING_TYPES}


def notebook_flags(script_path, notebook_globals):
    """The command line that gives the script the settings a notebook's cell holds: a flag for
    each setting whose value differs from the script's, and --dry-run where DRY_RUN is true.
    For `%run script.py {flags}` (notebooks/, made by notebooks/generate.py)."""
    import shlex

    flags = ["--dry-run"] if notebook_globals.get("DRY_RUN") else []
    for name, default in script_defaults(script_path).items():
        value = notebook_globals.get(name, default)
        if value != default or type(value) is not type(default):
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags += [flag_name(name), shlex.quote(text)]
    return " ".join(flags)


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


def convert(settings, name, text):
    """Convert `text` to the type of setting `name` and check it, or raise UsageError."""
    kind = type(settings.values[name])
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
    settings.check(name, value)
    return value


def build_parser(settings):
    comments = read_comments(settings.script_path)
    parser = errors.OneLineParser(
        prog=settings.script_path.name,
        description=settings.description,
        epilog="Every setting is a constant at the top of the script; a flag overrides it for one run.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # --epoch must not silently mean --epochs
    )
    groups = {}
    for name, value in settings.values.items():
        heading, comment = comments.get(name, ("settings", ""))
        if heading not in groups:
            groups[heading] = parser.add_argument_group(heading)
        choices = settings.rule_for(name).choices
        allowed = f" {{{','.join(choices)}}}" if choices else ""
        groups[heading].add_argument(
            flag_name(name), dest=name, default=None, metavar=type(value).__name__.upper(),
            help=f"{comment} (now {value!r}){allowed}".strip().replace("%", "%%"),  # argparse formats help with %
        )
    run = parser.add_argument_group("run")
    for flag, kwargs in [*RUN_OPTIONS, *settings.options]:
        run.add_argument(flag, **kwargs)
    return parser


RUN_OPTIONS = (  # every script's, after its settings
    ("--out", dict(metavar="DIR", help="folder for this run's outputs (default: runs/SCRIPT/TIMESTAMP, a dry "
                                       "run's under runs/SCRIPT/dry-run/); must be new or empty")),
    ("--dry-run", dict(action="store_true", help="whole pipeline on small synthetic data, in seconds")),
    ("--show", dict(action="store_true", help="also open the plot in a window")),
    ("--rerun", dict(metavar="RUN_FOLDER", help="repeat a recorded run with its settings (flags given here still apply)")),
)


# The one rule for flags that need or exclude others, for every script. A flag of ANSWERING
# answers with a trained model and trains nothing: at most one of them, and beside it only the
# flags it reads (and the settings the script names in answering_reads). A flag of NEEDS does
# something only beside one of the flags it names.
ANSWERING = {
    "--predict": ("--model", "--explain", "--dry-run"),
    "--predict-file": ("--model", "--explain", "--dry-run"),
    "--gates": ("--model", "--dry-run"),
    "--attention": ("--model", "--dry-run"),  # imdb_attention.py
    "--generate": ("--model", "--dry-run"),  # char_rnn_text.py
}
NEEDS = {
    "--model": (tuple(ANSWERING), "it names the model that answers"),
    "--explain": (("--predict", "--predict-file"), "it explains their answers"),
}


def given_flags(settings, args):
    """The flags the command line gives, by name, in the order of --help."""
    flags = [flag_name(name) for name in settings.values if getattr(args, name) is not None]
    for flag, _ in [*RUN_OPTIONS, *settings.options]:
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value is not None and value is not False:
            flags.append(flag)
    return flags


def check_together(settings, given):
    """UsageError naming both flags, for two that do not go together or one that needs another."""
    answering = [flag for flag in given if flag in ANSWERING]
    if len(answering) > 1:
        raise UsageError(f"{answering[0]} and {answering[1]} do not go together: each answers on its own; give one")
    if answering:
        mode = answering[0]
        reads = {mode, *ANSWERING[mode], *map(flag_name, settings.answering_reads)}
        for flag in given:
            if flag not in reads:
                raise UsageError(f"{flag} does not go with {mode}: {mode} answers with a trained model and trains nothing")
    own = set(known_flags(settings))
    for flag, (partners, why) in NEEDS.items():
        partners = [partner for partner in partners if partner in own]
        if flag in given and not set(partners) & set(given):
            raise UsageError(f"{flag} goes with {either(partners)}: {why}")


def either(flags):
    return flags[0] if len(flags) == 1 else f"{', '.join(flags[:-1])} or {flags[-1]}"


def known_flags(settings):
    """Every flag the script takes, for "did you mean ...?"."""
    return ["--help", *map(flag_name, settings.values), *(flag for flag, _ in [*RUN_OPTIONS, *settings.options])]


def parse(settings, argv=None):
    """Parse the command line against the script's settings.

    Returns (config, args): config holds every setting under its lower-case name;
    args holds the run options (out, dry_run, show, rerun and the script's own), `script`, and
    `given`: the flags the command line gave (check_together has checked which go together).
    """
    parser = build_parser(settings)
    argv = sys.argv[1:] if argv is None else argv
    for text in argv:
        check_utf8(text)
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        guess = difflib.get_close_matches(unknown[0].split("=")[0], known_flags(settings), n=1)
        hint = f"; did you mean {guess[0]}?" if guess else " (see --help)"
        raise UsageError(f"unknown option {unknown[0]}{hint}")
    args.given = given_flags(settings, args)
    check_together(settings, args.given)
    values = dict(settings.values)
    if args.rerun:
        recorded, synthetic = recorded_settings(args.rerun, settings.script)
        for name, value in recorded.items():
            if name in values:
                values[name] = recorded_value(settings, name, value, args.rerun)
        args.dry_run = args.dry_run or synthetic
    for name in settings.values:
        text = getattr(args, name)
        if text is not None:
            values[name] = convert(settings, name, text)
        delattr(args, name)
    for trigger, table in settings.presets.items():
        if args.rerun and flag_name(trigger) not in args.given:
            continue  # the recorded run's settings already hold what its preset brought, and what it overrode
        for name, value in table.get(values[trigger], {}).items():
            if flag_name(name) not in args.given:
                values[name] = value
    args.script = settings.script
    config = SimpleNamespace(**{name.lower(): value for name, value in values.items()})
    for holds, message in settings.checks:
        if not holds(config):
            raise UsageError(message)
    return config, args


def check_utf8(text):
    """UsageError for a command-line word that is not UTF-8 (Python keeps such bytes as lone
    surrogates, which a tokenizer cannot read): the terminal speaks another encoding."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape")[:12]
        raise UsageError(f"the command line holds bytes that are not UTF-8 ({raw!r}...): set the terminal to UTF-8 "
                         "(a Korean Windows console speaks CP949: chcp 65001), or put the text in a UTF-8 file "
                         "for --predict-file") from None


def recorded_value(settings, name, value, folder):
    """A setting as an earlier run recorded it, if it is of the setting's type (a whole number for
    an int: 2.7 epochs is no run) and keeps its rule; else ScriptError naming the folder."""
    kind = type(settings.values[name])
    fits = (isinstance(value, bool) if kind is bool else
            isinstance(value, (int, float)) and not isinstance(value, bool) if kind is float else
            isinstance(value, kind) and not isinstance(value, bool))
    if not fits:
        raise ScriptError(f"--rerun: {folder} records {flag_name(name)} {json_text(value)}, not {KIND_NAMES[kind]}")
    try:
        settings.check(name, value)
    except UsageError as error:
        raise ScriptError(f"--rerun: {folder} records {error}") from None
    return kind(value)


KIND_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def json_text(value):
    return repr(value) if not isinstance(value, (type(None), bool)) else {None: "null", True: "true", False: "false"}[value]


def fail(error, code):
    print(f"{Path(sys.argv[0]).name}: error: {error}", file=sys.stderr)
    return code


def answer_early(settings):
    """Answer --help, or refuse a wrong flag, before the script loads its framework (seconds);
    from here on Ctrl-C is one line, not a traceback from the middle of an import."""
    stop_quietly_when_stdout_closes()  # `--help | head -3` too
    try:
        parse(settings)
    except UsageError as error:
        sys.exit(fail(error, 2))
    except ScriptError as error:  # --rerun of a folder that holds no run
        sys.exit(fail(error, 1))
    stop_quietly_on_signals()


def main_guard(main, argv=None):
    """Run a script's main(): user errors become one line and an exit code, never a traceback.
    A closed standard output (`script | head`) ends it quietly, as a Unix tool; a setting too
    large for memory is one line."""
    stop_quietly_on_signals()
    stop_quietly_when_stdout_closes()
    try:
        code = main(argv)
        sys.stdout.flush()  # a closed pipe shows here at the latest, not at Python's exit
    except UsageError as error:
        code = fail(error, 2)
    except ScriptError as error:
        code = fail(error, 1)
    except KeyboardInterrupt:
        print(f"{Path(sys.argv[0]).name}: interrupted", file=sys.stderr)
        code = 130
    except Exception as error:
        if not errors.is_out_of_memory(error):
            raise
        code = fail(errors.out_of_memory(sys.argv[1:] if argv is None else argv), 1)
    sys.exit(code or 0)
