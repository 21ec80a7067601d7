"""Nothing lost under faults (issue 23): signals at awkward moments, damaged run folders, the
Keras cache where Keras puts it. Each test failed before the fault was mended."""
import importlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import KERAS_HOME, REPO, run_script
from test_quiet_start import assert_no_tensorflow_log

import reuters_lstm
from common import cli, compare
from common import signals
from common.records import run_folder
from common.runs import outcome, seeds
from common.text import datasets

SMALL = ["--dry-run", "--epochs", "1", "--embedding-dim", "8", "--lstm-units", "8"]


def start(argv, tmp_path):
    """A script in a process group of its own, its output in files."""
    log = tmp_path / "stdout.txt"
    with open(log, "w") as stdout, open(tmp_path / "stderr.txt", "w") as stderr:
        child = subprocess.Popen([sys.executable, *map(str, argv)], stdout=stdout, stderr=stderr, text=True,
                                 env={**os.environ, "KERAS_HOME": str(KERAS_HOME), "PYTHONUNBUFFERED": "1"},
                                 start_new_session=True)
    return child, log


def wait_for_text(log, text, child, seconds=240):
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        assert child.poll() is None, f"exited ({child.returncode}) before {text!r}: {log.read_text()[-2000:]}"
        assert time.monotonic() < deadline, f"no {text!r} within {seconds} s"
        time.sleep(0.05)


def test_vanishing_gradient_keeps_the_finished_distances_under_two_quick_ctrl_c(tmp_path):
    out = tmp_path / "run"
    child, log = start([REPO / "vanishing_gradient.py", "--distances", "2,5,10,20", "--out", out], tmp_path)
    try:
        wait_for_text(log, "distance   2:", child)
        child.send_signal(signal.SIGINT)
        time.sleep(0.3)
        child.send_signal(signal.SIGINT)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert child.returncode == 130 and "Traceback" not in stderr, stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == "interrupted (SIGINT)"
    assert list(metrics["accuracy_by_distance"]["rnn"]) == list(metrics["accuracy_by_distance"]["lstm"]) == ["2"]
    assert (out / "vanishing.png").is_file()


def test_a_damaged_file_that_cannot_be_set_aside_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "reuters.npz").write_bytes(b"PK\x03\x04 cut short")

    def read_only(*args):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "replace", read_only)
    with pytest.raises(cli.ScriptError, match=r"reuters.npz in .* is damaged .*cannot be set aside for a new copy "
                                              r"\(Read-only file system\); place a good copy there"):
        with datasets.keras_cache("reuters.npz"):
            pass


# Malformed run folders: one line naming the folder and the field; never a finished run failed.

@pytest.mark.parametrize("value, says", [('"abc"', "'abc', not a whole number"), ("null", "null, not a whole number"),
                                         ("[1]", "[1], not a whole number"), ("2.7", "2.7, not a whole number"),
                                         ("0", "--epochs must be a positive integer; got 0")])
def test_rerun_refuses_a_setting_of_the_wrong_type(tmp_path, value, says):
    (tmp_path / "metrics.json").write_text(f'{{"script": "reuters_lstm", "settings": {{"epochs": {value}}}}}')
    with pytest.raises(cli.ScriptError) as error:
        cli.parse(reuters_lstm.SETTINGS, ["--rerun", str(tmp_path)])
    assert str(error.value).startswith(f"--rerun: {tmp_path} records ") and str(error.value).endswith(says)


def bad_run(folder, **fields):
    folder.mkdir(parents=True)
    record = {"script": "reuters_lstm", "settings": {"epochs": 1}, "test_accuracy": 0.5, "test_loss": 1.0,
              "started": "2026-01-01T00:00:00", "synthetic_data": True, **fields}
    run_folder.write_record(folder, {"val_loss": [1.0], "val_accuracy": [0.5]}, [1.0], record)


@pytest.mark.parametrize("fields", [{"test_loss": None}, {"test_accuracy": "0.7"}])
def test_a_malformed_earlier_run_does_not_fail_the_next_one(tmp_path, monkeypatch, capsys, fields):
    monkeypatch.chdir(tmp_path)
    bad_run(tmp_path / "runs" / "reuters_lstm" / "dry-run" / "earlier", **fields)
    assert reuters_lstm.main(SMALL) == 0
    assert "Compared with the previous run" not in capsys.readouterr().out


@pytest.mark.parametrize("damage, says", [
    ({"started": None}, "metrics.json: started is null, not text"),
    ({"test_accuracy": "0.7"}, 'metrics.json: test_accuracy is "0.7", not a number'),
])
def test_compare_lists_the_good_runs_beside_a_bad_one(tmp_path, capsys, damage, says):
    bad_run(tmp_path / "good")
    bad_run(tmp_path / "bad", **damage)
    assert compare.main([str(tmp_path), "--out", str(tmp_path / "c.png")]) == 0
    said = capsys.readouterr()
    assert [line.split()[0] for line in said.out.splitlines()[1:2]] == ["good"]
    assert said.err.strip() == f"skipped {tmp_path / 'bad'}: not a complete run (ValueError: {says})"


def test_compare_skips_a_group_with_no_finished_seed(tmp_path, capsys):
    bad_run(tmp_path / "good")
    (tmp_path / "group").mkdir()
    (tmp_path / "group" / "group.json").write_text(json.dumps({"script": "reuters_lstm", "settings": {},
                                                               "finished": []}))
    assert compare.main([str(tmp_path), "--out", str(tmp_path / "c.png")]) == 0
    assert "group.json: finished is [], not a list of the seeds that finished" in capsys.readouterr().err


def test_compare_to_an_unwritable_place_is_one_line_after_the_table(tmp_path, capsys):
    bad_run(tmp_path / "good")
    assert compare.main([str(tmp_path / "good"), "--out", "/proc/compare.png"]) == 1
    said = capsys.readouterr()
    assert "good" in said.out and said.err.startswith("compare: error: cannot write the figure /proc/compare.png")
    assert len(said.err.strip().splitlines()) == 1


# Every script: the same run twice is the same to the last digit, a --rerun too; Ctrl-C keeps the
# complete epochs. (Reuters: tests/test_reliability.py, in separate processes.)

RERUNS = {
    "imdb_cnn_lstm": ["--dry-run", "--epochs", "2"],
    "nsmc_cnn_lstm": ["--dry-run", "--epochs", "2", "--tokenizer", "spaces"],
    "char_rnn_hello": ["--epochs", "15"],
    "char_rnn_hello numpy lstm": ["--impl", "numpy", "--cell", "lstm", "--epochs", "15"],
    "vanishing_gradient": ["--dry-run"],
}


def history_without_seconds(folder):
    return [line.rsplit(",", 1)[0] for line in (folder / "history.csv").read_text().splitlines()]


@pytest.mark.parametrize("name", RERUNS)
def test_every_script_repeats_its_run_and_its_rerun_to_the_last_digit(name, tmp_path):
    module = importlib.import_module(name.split()[0])
    first, rerun = tmp_path / "first", tmp_path / "rerun"
    assert module.main([*RERUNS[name], "--out", str(first)]) == 0
    assert module.main(["--rerun", str(first), "--out", str(rerun)]) == 0
    assert len(history_without_seconds(first)) >= 2
    assert history_without_seconds(first) == history_without_seconds(rerun)
    recorded = [json.loads((folder / "metrics.json").read_text()) for folder in (first, rerun)]
    assert recorded[0]["settings"] == recorded[1]["settings"]
    assert recorded[0].get("test_accuracy") == recorded[1].get("test_accuracy")


LONG_RUNS = {  # each script one of the ways to stop it (Reuters: all three, tests/test_reliability.py)
    "imdb_cnn_lstm.py": (["--dry-run", "--epochs", "500"], "Epoch 3/", "SIGTERM"),
    "nsmc_cnn_lstm.py": (["--dry-run", "--tokenizer", "spaces", "--epochs", "500"], "Epoch 3/", "SIGINT twice"),
    "char_rnn_hello.py": (["--impl", "numpy", "--epochs", "10000000"], "epoch    1 ", "SIGINT"),
}


@pytest.mark.parametrize("script", LONG_RUNS)
def test_a_signal_stops_every_script_with_its_complete_epochs_saved(script, tmp_path):
    argv, started, how = LONG_RUNS[script]
    out = tmp_path / "run"
    child, log = start([REPO / script, *argv, "--out", out], tmp_path)
    signum = signal.SIGTERM if how == "SIGTERM" else signal.SIGINT
    try:
        wait_for_text(log, started, child)
        child.send_signal(signum)
        if how == "SIGINT twice":
            wait_for_text(tmp_path / "stderr.txt", "SIGINT: stopping after this step", child)
            child.send_signal(signum)
        child.wait(timeout=120)
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
    stderr = (tmp_path / "stderr.txt").read_text()
    assert child.returncode == 128 + signum and "Traceback" not in stderr, stderr
    assert_no_tensorflow_log(stderr)  # every script, from start to the signal
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["status"] == f"interrupted ({signum.name})" and "test_accuracy" not in metrics
    assert len(history_without_seconds(out)) == metrics["epochs_completed"] + 1 >= 2
    assert (out / ("model.npz" if script == "char_rnn_hello.py" else "model.keras")).is_file()


@pytest.mark.parametrize("script", ["imdb_cnn_lstm", "nsmc_cnn_lstm", "char_rnn_hello"])
def test_every_script_with_seeds_hands_them_to_the_seeds_runner(script, monkeypatch):
    """The runner itself is tested on Reuters (tests/test_seeds.py) and, in processes, below."""
    module = importlib.import_module(script)
    handed = []
    monkeypatch.setattr(seeds, "main", lambda path, config, args, book=None: handed.append(
        (Path(path).name, config.seeds, book)) or 0)
    assert module.main(["--seeds", "2", "--dry-run"]) == 0
    compared_with = {"imdb_cnn_lstm": {"the book": 0.8519},  # the book's printed accuracy
                     "nsmc_cnn_lstm": {"BERT multilingual (KoBERT README)": 0.875, "KoBERT": 0.901},
                     "char_rnn_hello": None}[script]
    assert handed == [(f"{script}.py", 2, compared_with)]


def test_seeds_of_the_numpy_char_rnn_run_in_processes_and_summarize(tmp_path):
    result = run_script(REPO / "char_rnn_hello.py", "--impl", "numpy", "--epochs", "30", "--seeds", "2",
                        "--out", tmp_path / "group")
    assert result.returncode == 0, result.stderr
    summary = json.loads((tmp_path / "group" / "group.json").read_text())
    accuracies = [json.loads((tmp_path / "group" / f"seed{k}" / "metrics.json").read_text())["test_accuracy"]
                  for k in (0, 1)]
    assert summary["finished"] == [0, 1] and summary["test_accuracy"]["max"] == max(accuracies)


def test_a_second_ctrl_c_during_a_held_update_stops_once_it_is_done():
    """The NumPy networks update their weights inside signals_held(): a second Ctrl-C that comes
    meanwhile stops training once every weight has moved, not in the middle."""
    stops = outcome.SignalStops(outcome.Outcome())
    done = []
    with stops.training():
        stops.on_signal(signal.SIGINT, None)  # the first: stop after this step
        with pytest.raises(KeyboardInterrupt):
            with signals.signals_held():
                stops.on_signal(signal.SIGINT, None)  # the second, while the weights move
                done.append("every weight updated")
    assert done == ["every weight updated"] and stops.outcome.status == "interrupted (SIGINT)"
    with signals.signals_held():  # nothing left over for the next block
        pass
