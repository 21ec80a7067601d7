"""Bad input, faults and interruptions end in one clear line and intact results; reruns repeat exactly."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from conftest import KERAS_HOME, REPO, run_script, write_reuters

import reuters_lstm
from common import cli, files, runs, training
from common.runs import outcome

SCRIPTS = ["reuters_lstm.py", "imdb_cnn_lstm.py", "char_rnn_hello.py"]


# Bad input: one line on stderr, exit code 2, nothing trained, nothing written.

@pytest.mark.parametrize("script, argv, message", [
    ("reuters_lstm.py", ["--maxlen", "0"], "--maxlen must be a positive integer"),
    ("reuters_lstm.py", ["--lstm-units", "-5"], "--lstm-units must be a positive integer"),
    ("imdb_cnn_lstm.py", ["--dropout", "1"], "--dropout must be in [0, 1)"),
    ("imdb_cnn_lstm.py", ["--num-words", "2"], "ids 0, 1 and 2 are reserved"),
    ("imdb_cnn_lstm.py", ["--maxlen", "6"], "--maxlen must leave at least one --pool-size window"),
    ("char_rnn_hello.py", ["--hidden-size", "0"], "--hidden-size must be a positive integer"),
    ("char_rnn_hello.py", ["--learning-rate", "nan"], "--learning-rate must be a positive number"),
])
def test_out_of_range_values_are_one_line_and_exit_2(script, argv, message, tmp_path):
    result = run_script(REPO / script, *argv, "--out", tmp_path / "run")
    assert result.returncode == 2, result.stderr
    assert result.stderr.strip() == result.stderr.strip().splitlines()[-1]  # exactly one line
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "run").exists()


def test_an_output_folder_that_is_a_file_or_cannot_be_made_is_refused_before_loading(tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    with pytest.raises(cli.ScriptError, match="is a file"):
        runs.plan_folder("reuters_lstm", str(a_file))
    with pytest.raises(cli.ScriptError, match="cannot write the run folder"):
        runs.plan_folder("reuters_lstm", str(a_file / "run"))
    with pytest.raises(cli.ScriptError, match="cannot write the run folder"):
        runs.plan_folder("reuters_lstm", "/proc/no_runs_here")


def test_a_folder_holding_an_earlier_run_is_never_overwritten(tmp_path):
    (tmp_path / "metrics.json").write_text("{}")
    with pytest.raises(cli.ScriptError, match="already holds files"):
        runs.plan_folder("reuters_lstm", str(tmp_path))
    assert (tmp_path / "metrics.json").read_text() == "{}"


def test_default_run_folders_never_collide(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = SimpleNamespace(script="x", out=None, dry_run=True)
    first, second = runs.Run(args, None), runs.Run(args, None)
    second.planned_folder = first.planned_folder  # as if both started in the same second
    with first.training(), second.training():
        pass
    assert first.folder != second.folder and first.folder.is_dir() and second.folder.is_dir()


RACE = """
import json, multiprocessing, sys
from pathlib import Path
from common.records import run_folder
from common.errors import ScriptError

def claim_at_the_barrier(barrier, planned, fixed, results):
    try:
        run_folder.plan(planned, fixed)
        barrier.wait(timeout=30)
        results.put(str(run_folder.claim(planned, fixed)))
    except ScriptError as error:
        results.put(f"error: {error}")

root, fixed, context = Path(sys.argv[1]), sys.argv[2] == "fixed", multiprocessing.get_context("fork")
for trial in range(100):
    planned = root / f"trial{trial}" / "runs" / "x" / "2026-01-01_00-00-00"
    barrier, results = context.Barrier(2), context.Queue()
    racers = [context.Process(target=claim_at_the_barrier, args=(barrier, planned, fixed, results)) for _ in range(2)]
    for racer in racers:
        racer.start()
    print(json.dumps([str(planned), sorted(results.get(timeout=60) for _ in racers)]))
    for racer in racers:
        racer.join(timeout=60)
"""


@pytest.mark.parametrize("fixed", [False, True])
def test_two_processes_at_a_barrier_never_share_a_folder(tmp_path, fixed):
    """Two processes plan and claim the same folder at the same instant, 100 times: a default
    folder gives each its own; a --out folder goes to one, and the other gets one line. (The
    racers are forked from a process that loads no framework: forking one with JAX's threads
    can deadlock.)"""
    result = run_script("-c", RACE, tmp_path, "fixed" if fixed else "default")
    assert result.returncode == 0, result.stderr
    trials = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(trials) == 100
    for planned, got in trials:
        if fixed:
            assert got == sorted([f"error: --out: another run took {planned} a moment ago; choose a new folder",
                                  planned])
        else:
            assert got == sorted([planned, f"{planned}-2"])


def test_a_missing_model_file_is_one_line(tmp_path):
    with pytest.raises(cli.ScriptError, match="does not exist"):
        import imdb_cnn_lstm

        imdb_cnn_lstm.main(["--predict", "good", "--model", str(tmp_path / "missing.keras")])


def test_model_takes_a_run_folder_as_a_run_prints_it(tmp_path):
    from common import predict

    (tmp_path / "run").mkdir()
    with pytest.raises(cli.ScriptError, match="^--model: the folder .*run holds no saved model \\(model.keras\\)$"):
        predict.model_path(tmp_path / "run", "imdb_cnn_lstm")
    (tmp_path / "run" / "model.keras").write_bytes(b"")
    assert predict.model_path(tmp_path / "run", "imdb_cnn_lstm") == tmp_path / "run" / "model.keras"
    (tmp_path / "run" / "model.npz").write_bytes(b"")  # char_rnn_text.py saves either
    assert predict.model_path(tmp_path / "run", "char_rnn_text", suffixes=(".npz", ".keras")) == tmp_path / "run" / "model.npz"


# Faults: nothing already computed is lost.

@pytest.fixture
def long_run(tmp_path):
    """start(*argv): a long dry run in a child process, once its third epoch has begun. The child's
    output goes to files (a pipe nobody reads can stall it); it is killed if a test leaves it."""
    children = []

    def start(*argv, within=120):
        out, log = tmp_path / "run", tmp_path / "stdout.txt"
        with open(log, "w") as stdout, open(tmp_path / "stderr.txt", "w") as stderr:
            child = subprocess.Popen(
                [sys.executable, str(REPO / "reuters_lstm.py"), "--dry-run", "--epochs", "500", "--out", str(out), *argv],
                stdout=stdout, stderr=stderr, text=True,
                env={**os.environ, "KERAS_HOME": str(KERAS_HOME), "PYTHONUNBUFFERED": "1"})
        children.append(child)
        wait_for(lambda: "Epoch 3/" in log.read_text(), child, within, "training to reach epoch 3")
        return child, out

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=30)


def wait_for(condition, child, seconds, what):
    deadline = time.monotonic() + seconds
    while not condition():
        if child.poll() is not None:
            raise AssertionError(f"the child exited (code {child.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"no {what} within {seconds} s")
        time.sleep(0.02)


def finished(child, tmp_path, seconds=120):
    """The child's exit code and stdout, stderr once it ends (killed, and the test failed, after `seconds`)."""
    child.wait(timeout=seconds)
    return child.returncode, (tmp_path / "stdout.txt").read_text(), (tmp_path / "stderr.txt").read_text()


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_after_the_batch_and_saves_everything(long_run, tmp_path, signum, code):
    child, out = long_run()
    child.send_signal(signum)
    returncode, stdout, stderr = finished(child, tmp_path)
    assert returncode == code, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == f"interrupted ({signum.name})"
    assert metrics["epochs_completed"] >= 2 and "test_accuracy" not in metrics
    rows = (out / "history.csv").read_text().splitlines()
    assert len(rows) == metrics["epochs_completed"] + 1  # header + one row per complete epoch
    assert keras.saving.load_model(out / "model.keras").count_params() == 185_046
    assert (out / "loss.png").stat().st_size > 0
    assert "Traceback" not in stderr and str(out / "metrics.json") in stdout


def test_a_second_ctrl_c_stops_at_once_and_still_saves(long_run, tmp_path):
    child, out = long_run()
    child.send_signal(signal.SIGINT)
    # The second only after the first was taken (two signals sent together may arrive as one).
    wait_for(lambda: "SIGINT: stopping after this step" in (tmp_path / "stderr.txt").read_text(), child, 30,
             "answer to the first Ctrl-C")
    child.send_signal(signal.SIGINT)
    sent = time.monotonic()
    returncode, _, stderr = finished(child, tmp_path)
    assert time.monotonic() - sent < 60  # saving and exiting (seconds, even on 2 loaded cores), not 497 more epochs
    assert returncode == 130 and "Traceback" not in stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "interrupted (SIGINT)" and metrics["epochs_completed"] >= 2
    assert (out / "model.keras").exists()


class RaisesWhenCollected:
    """Raises in __del__, as a Ctrl-C does inside a garbage-collection callback: Python cannot
    raise it there and hands it to sys.unraisablehook, whose default prints a traceback."""

    def __init__(self, error):
        self.error = error

    def __del__(self):
        raise self.error


def test_a_second_ctrl_c_inside_a_garbage_collection_callback_prints_no_traceback(monkeypatch):
    reported = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)  # stands for Python's printing hook
    stops = outcome.SignalStops(outcome.Outcome())
    with stops.training():
        RaisesWhenCollected(KeyboardInterrupt())  # collected at once
        assert reported == []
        RaisesWhenCollected(ValueError("a real error"))  # any other error is still reported
        assert [r.exc_type for r in reported] == [ValueError]
    RaisesWhenCollected(KeyboardInterrupt())  # after training, the hook is Python's again
    assert [r.exc_type for r in reported] == [ValueError, KeyboardInterrupt]


def run_python(tmp_path, code):
    """Run `code` as the script probe.py in its own process, with the project importable."""
    script = tmp_path / "probe.py"
    script.write_text("import os, signal, sys, time\nfrom common import signals\nsignals.stop_quietly_on_signals()\n" + code)
    return subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


def test_a_stop_that_lands_inside_a_garbage_collection_callback_still_ends_the_script(tmp_path):
    """JAX's gc callback, while Keras loads: Python cannot raise the stop there ("Exception
    ignored in: <function _xla_gc_callback ...>") and would go on as if no Ctrl-C had come."""
    result = run_python(tmp_path, textwrap.dedent("""
        class Collected:
            def __del__(self):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.5)  # the handler runs in here
        Collected()
        print("went on")
    """))
    assert (result.returncode, result.stdout) == (130, "")
    assert result.stderr.splitlines() == ["probe.py: interrupted (SIGINT)"]


@pytest.mark.parametrize("signals_sent, block_ends", [(1, True), (2, False)])
def test_a_stop_while_native_code_loads_waits_for_its_end_and_a_second_does_not(tmp_path, signals_sent, block_ends):
    """A stop raised inside a native import aborts the process (pybind11: exit 134, no word)."""
    result = run_python(tmp_path, textwrap.dedent(f"""
        with signals.held_while_native_code_loads():
            for _ in range({signals_sent}):
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.2)
            print("the block ended", flush=True)
        print("went on")
    """))
    assert result.returncode == 130
    assert result.stdout == ("the block ended\n" if block_ends else "")
    assert result.stderr.splitlines() == ["probe.py: interrupted (SIGINT)"]


def test_a_nan_loss_stops_keras_training_and_says_which_epoch(tmp_path, capsys):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="adam")
    x = np.ones((40, 3), "float32")
    x[30:] = np.nan  # the fourth batch of the first epoch meets NaN
    run = runs.Run(SimpleNamespace(script="x", out=str(tmp_path / "run"), dry_run=False), None)
    with run.training():
        model.fit(training.batches(x, np.ones(40), batch_size=10), epochs=5, callbacks=training.callbacks(run),
                  verbose=0)
    assert run.outcome.status == "nan loss" and run.outcome.exit_code == 1
    assert run.outcome.done == 0 and run.outcome.stopped_in == 1
    assert "NaN in epoch 1" in capsys.readouterr().err


def test_a_nan_loss_stops_numpy_training_and_the_run_folder_says_so(tmp_path):
    result = run_script(REPO / "char_rnn_hello.py", "--impl", "numpy", "--learning-rate", "1e30",
                        "--out", tmp_path / "run")
    assert result.returncode == 1
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "nan loss"
    assert f"NaN in epoch {metrics['epochs_completed'] + 1}" in result.stderr


def test_writes_are_atomic_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "metrics.json"
    files.write_text(path, "old")

    def crash_halfway(temporary):
        temporary.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        files.write_atomically(path, crash_halfway)
    assert path.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04truncated", b"not an archive at all"])
def test_a_damaged_cached_archive_is_one_line_saying_what_to_do(offline_keras, damage):
    (offline_keras / "reuters.npz").write_bytes(damage)
    with pytest.raises(cli.ScriptError, match=r"reuters\.npz in .* is damaged .*place a good copy there") as error:
        reuters_lstm.load_data(cli.parse(reuters_lstm.SETTINGS, [])[0], dry_run=False)
    assert "\n" not in str(error.value)
    assert (offline_keras / "reuters.npz").read_bytes() == damage  # kept, byte for byte


def test_a_truncated_real_format_archive_is_reported_too(offline_keras):
    write_reuters()
    path = offline_keras / "reuters.npz"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    with pytest.raises(cli.ScriptError, match="is damaged"):
        reuters_lstm.load_data(cli.parse(reuters_lstm.SETTINGS, [])[0], dry_run=False)


# Reproducibility.

def test_same_seed_same_run_bit_for_bit_other_seed_other_run_and_rerun_repeats(tmp_path):
    def dry_run(name, *argv):
        result = run_script(REPO / "reuters_lstm.py", "--dry-run", "--epochs", "3", "--out", tmp_path / name, *argv)
        assert result.returncode == 0, result.stderr
        metrics = json.loads((tmp_path / name / "metrics.json").read_text())
        history = [line.rsplit(",", 1)[0] for line in (tmp_path / name / "history.csv").read_text().splitlines()]
        return history, metrics  # the history without its seconds column

    first, first_metrics = dry_run("a")
    other, _ = dry_run("c", "--seed", "1")
    rerun, rerun_metrics = dry_run("d", "--rerun", str(tmp_path / "a"))  # a new process, as the first
    assert first == rerun and first_metrics["test_accuracy"] == rerun_metrics["test_accuracy"]
    assert first != other
    assert first_metrics["command_line"][1:3] == ["--dry-run", "--epochs"]
    assert rerun_metrics["settings"] == first_metrics["settings"] and rerun_metrics["synthetic_data"]


def test_rerun_refuses_a_run_of_another_script(tmp_path):
    (tmp_path / "metrics.json").write_text(json.dumps({"script": "imdb_cnn_lstm", "settings": {}}))
    with pytest.raises(cli.ScriptError, match="is a run of imdb_cnn_lstm, not of reuters_lstm"):
        cli.parse(reuters_lstm.SETTINGS, ["--rerun", str(tmp_path)])


def test_tests_run_away_from_the_checkouts_runs():
    assert REPO not in [Path.cwd(), *Path.cwd().parents]
    assert runs.plan_folder("reuters_lstm").resolve().is_relative_to(Path.cwd().resolve())
