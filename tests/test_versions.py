"""Built to outlive the next Keras (issue 24): public APIs only, each tested set of versions
complete and as the README says, the batch halves a visible setting, and no TensorFlow needed
on the other backends."""
import ast
import importlib.util
import json
import re
from types import SimpleNamespace

import keras
import pytest
from conftest import REPO, run_script

import imdb_cnn_lstm
import reuters_lstm
from common import cli, keras_setup, runs, training

PRODUCT = sorted([*REPO.glob("*.py"), *REPO.glob("common/*.py"), *REPO.glob("bench/*.py")])
SETS = {"requirements.txt": "tensorflow", "requirements-colab.txt": "tensorflow",  # colab: the oldest set, and more
        "requirements-jax.txt": "jax", "requirements-torch.txt": "torch"}


def requirement_lines(requirements):
    """The file's lines, with those of a file it includes (-r) in place."""
    lines = []
    for line in (REPO / requirements).read_text().splitlines():
        lines += requirement_lines(line.split()[1]) if line.startswith("-r ") else [line]
    return lines


def test_the_product_uses_no_keras_insides_no_mock_and_no_private_attribute_of_a_library():
    found = []
    for path in PRODUCT:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found += [f"{path.name}: import {name}" for name in names
                      if name.startswith(("keras.src", "unittest", "mock")) or ".src." in name]
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = ast.unparse(node.value)
                documented = (owner, node.attr) == ("os", "_exit")  # Python's own name for an exit without clean-up
                if owner not in ("self", "cls") and not owner.startswith("self.") and not documented:
                    found.append(f"{path.name}:{node.lineno}: {owner}.{node.attr}")
    assert found == []


@pytest.mark.parametrize("requirements, backend_name", SETS.items())
def test_each_set_is_pinned_and_the_jax_and_torch_sets_install_no_tensorflow(requirements, backend_name):
    lines = [line.split("#")[0].strip() for line in requirement_lines(requirements)]
    pins = dict(re.match(r"([A-Za-z0-9_.\[\]-]+)==([^;\s]+)", line).groups()
                for line in lines if line and not line.startswith("-"))
    for package in ("keras", "numpy", "matplotlib", "pytest", "pytest-timeout", "pytest-xdist"):  # pytest.ini uses both plugins
        assert package in pins, f"{requirements} does not pin {package}"
    assert ("tensorflow" in pins) == (backend_name == "tensorflow")
    if backend_name != "tensorflow":
        assert not any(name.startswith(("tensorflow", "tensorboard", "tf-")) for name in pins)


def test_the_readmes_version_table_says_what_each_set_pins():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for requirements in SETS:
        row = next(line for line in readme.splitlines() if line.startswith(f"| `{requirements}`"))
        tested = [line for line in requirement_lines(requirements) if 'python_version <' not in line]
        pins = dict(re.findall(r"^(tensorflow|keras|numpy|matplotlib|jax\[cpu\]|torch)==([^;\s]+)",
                               "\n".join(tested), flags=re.M))
        for package, version in pins.items():
            assert version in row, f"README's row for {requirements} does not say {package} {version}"


def test_tensorboard_logs_where_tensorflow_is_installed_else_one_line_and_training_goes_on(tmp_path, capsys):
    args = SimpleNamespace(script="reuters_lstm", out=str(tmp_path / "run"), dry_run=True)
    run = runs.Run(args, cli.parse(reuters_lstm.SETTINGS, [])[0])
    with run.training():
        callbacks = training.callbacks(run)
    installed = importlib.util.find_spec("tensorflow") is not None
    assert any(isinstance(callback, keras.callbacks.TensorBoard) for callback in callbacks) is installed
    assert any(isinstance(callback, training.Guard) for callback in callbacks)
    said = capsys.readouterr().err.strip().splitlines()
    assert said == ([] if installed else [said[0]]) and (installed or "TensorFlow" in said[0])


def test_the_batch_halves_are_a_setting_in_help_and_in_metrics_json(tmp_path):
    helped = run_script(REPO / "imdb_cnn_lstm.py", "--help")
    assert "--batch-halves" in helped.stdout and helped.returncode == 0
    out = tmp_path / "run"
    result = run_script(REPO / "imdb_cnn_lstm.py", "--dry-run", "--epochs", "1", "--embedding-dim", "8",
                        "--lstm-units", "8", "--out", out)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["settings"]["batch_halves"] is True  # what was asked
    assert metrics["ran"] == {"batch_halves": keras_setup.TENSORFLOW_ON_CPU}  # what ran
    assert "batch_halves" not in cli.parse(reuters_lstm.SETTINGS, [])[0].__dict__  # Reuters trains whole
    assert "batch_halves" in cli.parse(imdb_cnn_lstm.SETTINGS, [])[0].__dict__
