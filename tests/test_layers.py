"""common/ is built in floors (docs/layout.md), and imports run one way: down.

Read by package, as Python runs them: importing common.runs.outcome runs common/runs/__init__.py
first, so a sub-package and everything in it are one node. Every import, also one inside a
function, goes from a node to a node on a lower floor; none stays on its own floor or goes up.
Inside a package, no two modules import each other, directly or round a circle.
"""
import ast
import subprocess
import sys

from conftest import REPO

FLOORS = (  # lowest first; the same floors as docs/layout.md
    ("errors", "files", "signals", "keras_reliance", "plots", "decoding"),  # the ground: no import of the project's
    ("text", "pictures", "records", "keras_setup", "self_attention"),
    ("notes", "cli", "training", "compare"),
    ("predict", "runs"),
    ("start",),  # only the scripts import it
)
FLOOR_OF = {f"common.{name}": number for number, names in enumerate(FLOORS) for name in names}


def module_names():
    """Every module of common/, by dotted name (a package by its own name), with its file."""
    found = {}
    for path in sorted((REPO / "common").rglob("*.py")):
        name = ".".join(path.relative_to(REPO).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = path
    return found


def imports(path, name, known):
    """The project's modules that the file imports anywhere in it, resolved to known module names."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets += [base] + [f"{base}.{alias.name}" for alias in node.names]
    resolved = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name and target != "common":
            resolved.add(target)
    return resolved


def node(module):
    return ".".join(module.split(".")[:2])


def edges():
    known = module_names()
    return {name: imports(path, name, known) for name, path in known.items()}


def test_every_part_of_common_has_its_floor():
    nodes = {node(name) for name in module_names()} - {"common"}
    assert sorted(nodes - FLOOR_OF.keys()) == [], "a new part of common/: give it its floor here and in docs/layout.md"
    assert sorted(FLOOR_OF.keys() - nodes) == [], "a floor names a part that is gone"


def test_every_import_goes_down_a_floor():
    upward = [f"{name} imports {target}" for name, targets in edges().items() for target in sorted(targets)
              if name != "common" and node(target) != node(name) and FLOOR_OF[node(target)] >= FLOOR_OF[node(name)]]
    assert upward == []


def test_no_two_modules_import_each_other_round_a_circle():
    graph = edges()
    state, circles = {}, []

    def visit(name, path):
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                circles.append(" -> ".join([*path[path.index(target):], target]))
            elif target not in state:
                visit(target, [*path, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_only_the_scripts_import_start():
    assert [name for name, targets in edges().items() if "common.start" in targets] == []


def test_the_notes_cells_load_nothing_of_the_run_machinery():
    loaded = subprocess.run([sys.executable, "-c", "import common.notes.numpy_rnn, common.notes.numpy_lstm, sys; "
                             "print(' '.join(sorted(m for m in sys.modules if m.startswith('common'))))"],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["common", "common.notes", "common.notes.numpy_lstm", "common.notes.numpy_rnn", "common.signals"]
