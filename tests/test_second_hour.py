"""The second hour of a new user: flags combined, values pushed, output piped, messages read closely."""
import json
import os
import re
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pytest
from conftest import KERAS_HOME, REPO, run_script, script_environment, write_nsmc, write_reuters

import char_rnn_text
import reuters_lstm
from common import cli, compare, plots
from common.errors import ScriptError, UsageError
from common.records import run_folder
from common.runs import Run
from common.text import datasets, nsmc

SMALL = ["--dry-run", "--epochs", "1", "--embedding-dim", "8", "--lstm-units", "8"]


@pytest.mark.parametrize("argv, says", [
    (["--model", "x"], "--model goes with --predict, --predict-file or --gates"),
    (["--predict", "good", "--predict-file", "F"], "--predict and --predict-file do not go together"),
    (["--gates", "x", "--predict", "y"], "--gates and --predict do not go together"),
    (["--predict", "x", "--epochs", "3"], "--epochs does not go with --predict"),
    (["--predict", "x", "--out", "D"], "--out does not go with --predict"),
    (["--predict", "x", "--seeds", "2"], "--seeds does not go with --predict"),
    (["--predict-file", "F", "--rerun", "R"], "--rerun does not go with --predict-file"),
    (["--explain"], "--explain goes with --predict or --predict-file"),
])
def test_flags_that_do_not_go_together_are_refused_naming_both(argv, says):
    with pytest.raises(UsageError, match=says):
        cli.parse(reuters_lstm.SETTINGS, argv)


def test_the_same_rule_holds_for_generate():
    for argv, says in ((["--model", "m"], "--model goes with --generate"),
                       (["--generate", "5", "--steps", "3"], "--steps does not go with --generate")):
        with pytest.raises(UsageError, match=says):
            cli.parse(char_rnn_text.SETTINGS, argv)
    assert cli.parse(char_rnn_text.SETTINGS, ["--generate", "5", "--temperature", "0.8", "--seed", "2"])[0].seed == 2


def test_a_flag_that_does_nothing_is_one_line_and_exit_2_before_keras_loads():
    result = run_script(REPO / "reuters_lstm.py", "--model", "x")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == ("reuters_lstm.py: error: --model goes with --predict, --predict-file or --gates: "
                             "it names the model that answers\n")


def test_a_setting_too_large_for_memory_is_one_line_and_leaves_no_run_folder(tmp_path):
    result = run_script(REPO / "reuters_lstm.py", "--dry-run", "--lstm-units", "100000000", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr.strip().splitlines()[-1] == (  # after JAX's and PyTorch's note on TensorBoard
        "reuters_lstm.py: error: out of memory: the settings (--dry-run --lstm-units 100000000) need more memory "
        "than this machine has; try smaller values (--help lists them)")
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.rglob("*.json")) and not list(tmp_path.rglob("tensorboard"))


def test_bytes_that_are_not_utf8_on_the_command_line_are_one_line():
    cp949 = os.fsdecode("한국어".encode("cp949"))  # as a Korean Windows console would send it
    result = run_script(REPO / "nsmc_cnn_lstm.py", "--predict", cp949)
    assert result.returncode == 2
    assert len(result.stderr.splitlines()) == 1 and "not UTF-8" in result.stderr and "chcp 65001" in result.stderr


def test_a_predict_file_on_standard_input_that_is_not_utf8_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, REPO / "reuters_lstm.py", "--predict-file", "-"], cwd=tmp_path,
                            input="석유 가격".encode("cp949"), capture_output=True, timeout=120,
                            env=script_environment())
    assert result.returncode == 1
    assert result.stderr.decode().splitlines() == ["reuters_lstm.py: error: --predict-file: - is not UTF-8 text"]


def piped(argv, cwd, stop_after):
    """Run a script with its standard output read until a line holds `stop_after`, then closed."""
    child = subprocess.Popen([sys.executable, *map(str, argv)], cwd=cwd, env=script_environment(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    for line in child.stdout:
        if stop_after in line:
            break
    child.stdout.close()  # as `| head` does once it has its lines
    try:
        child.wait(timeout=240)
    finally:
        child.kill()
    return child.returncode, child.stderr.read()


def test_a_closed_pipe_before_training_ends_quietly_and_leaves_no_run_folder(tmp_path):
    code, said = piped([REPO / "reuters_lstm.py", *SMALL], tmp_path, stop_after="training newswires")
    assert code == 141 and "Traceback" not in said and "Error" not in said
    # Python holds a pipe's output in a buffer, so the script may find the pipe closed only once
    # training has begun: then its folder is a stopped run's, whole, never a half-made one.
    for folder in {path.parent for path in (tmp_path / "runs").rglob("tensorboard")}:
        assert json.loads((folder / "metrics.json").read_text())["status"] == "interrupted (SIGPIPE)"


def test_a_closed_pipe_while_training_saves_the_complete_epochs_quietly(tmp_path):
    code, said = piped([REPO / "reuters_lstm.py", "--dry-run", "--epochs", "30", "--embedding-dim", "8", "--lstm-units",
                        "8", "--out", tmp_path / "run"],
                       tmp_path, stop_after="Epoch 2/")
    assert code == 141 and "Traceback" not in said and "Error" not in said
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "interrupted (SIGPIPE)" and 1 <= metrics["epochs_completed"] < 30
    assert (tmp_path / "run" / "model.keras").exists()


def test_a_read_only_keras_cache_that_holds_the_data_is_read(offline_keras, monkeypatch):
    """As root, a folder's mode cannot make it read-only: Keras and the project are told by os.access."""
    write_reuters(wires=120)
    write_nsmc(train=20, test=10)
    home, real_access = str(KERAS_HOME), os.access
    monkeypatch.setattr(os, "access", lambda path, mode, **kw: False if str(path) == home and mode == os.W_OK
                        else real_access(path, mode, **kw))
    (x_train, _), (x_test, _) = datasets.load("reuters", num_words=1000, test_split=0.2)
    assert len(x_train) + len(x_test) == 120
    assert datasets.vocabulary("reuters", 1000).ids["the"] == 4
    assert nsmc.download("ratings_train.txt") == str(KERAS_HOME / "datasets" / "nsmc" / "ratings_train.txt")


def test_a_file_that_is_not_a_model_is_called_so(tmp_path):
    fake = tmp_path / "fake.keras"
    fake.write_text("not a model")
    with pytest.raises(ScriptError, match="fake.keras: it is not a saved model \\(a .keras file is a zip archive"):
        reuters_lstm.main(["--predict", "good", "--model", str(fake)])


def test_generate_refuses_a_length_beyond_sense_at_once():
    with pytest.raises(UsageError, match="from 1 to 1,000,000; got 100,000,000,000"):
        char_rnn_text.main(["--generate", "100000000000"])


def test_generated_text_streams_and_a_ctrl_c_keeps_it(tmp_path):
    text = tmp_path / "text.txt"
    text.write_text("hello world, hello rnn. " * 40, encoding="utf-8")
    trained = run_script(REPO / "char_rnn_text.py", "--impl", "numpy", "--text-file", text, "--steps", "20",
                         "--sample-every", "20", "--out", tmp_path / "run", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    child = subprocess.Popen([sys.executable, REPO / "char_rnn_text.py", "--generate", "1000000", "--model",
                              tmp_path / "run", "--temperature", "1"], cwd=tmp_path, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=script_environment())
    first = child.stdout.read(200)  # comes while the rest is still being written
    child.send_signal(signal.SIGINT)
    rest = child.stdout.read()
    child.wait(timeout=60)
    assert len(first) == 200 and child.returncode == 130
    assert child.stderr.read().decode().splitlines()[-1] == "char_rnn_text.py: interrupted (SIGINT)"
    assert 200 <= len(first + rest) < 1_000_000


def run_record(folder, started, **settings):
    run_folder.write_record(folder, {"loss": [1.0, 0.9], "val_loss": [1.1, 1.0]}, [1.0, 1.0],
                            {"script": "reuters_lstm", "status": "completed", "started": started,
                             "test_accuracy": 0.5, "test_loss": 1.0, "epochs_completed": 2,
                             "synthetic_data": "dry-run" in str(folder), "settings": {"epochs": 2, **settings}})


def test_compare_with_no_argument_shows_the_real_runs_not_a_later_dry_group(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for name in ("2026-12-01_10-00-00", "2026-12-01_11-00-00"):
        (tmp_path / "runs/reuters_lstm" / name).mkdir(parents=True)
        run_record(tmp_path / "runs/reuters_lstm" / name, name, epochs=int(name[11:13]))
    for folder in ("runs/reuters_lstm/explained", "runs/reuters_lstm/gates"):  # --explain's and --gates' own
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "2026-12-01_12-00-00.html").write_text("<p>")
    time.sleep(0.05)
    (tmp_path / "runs/reuters_lstm/dry-run/2026-12-01_13-00-00").mkdir(parents=True)
    run_record(tmp_path / "runs/reuters_lstm/dry-run/2026-12-01_13-00-00", "2026-12-01_13-00-00")
    assert compare.main([]) == 0
    out, err = capsys.readouterr()
    assert "2026-12-01_10-00-00" in out and "2026-12-01_11-00-00" in out and "13-00-00" not in out
    assert "skipped" not in err
    header = re.split(r"\s{2,}", out.splitlines()[0])
    assert len(header) == len(set(header)) and {"epochs", "epochs done"} <= set(header)


def test_compare_with_a_wrong_flag_is_one_line(capsys):
    assert compare.main(["--bogus"]) == 2
    assert capsys.readouterr().err.splitlines() == ["compare: error: unrecognized arguments: --bogus (see --help)"]


def test_a_run_stopped_in_its_first_epoch_says_nothing_was_complete(tmp_path):
    run = Run(SimpleNamespace(script="x", out=str(tmp_path / "run"), dry_run=False), None)
    run.outcome.status, run.outcome.stopped_in = "interrupted (SIGINT)", 1
    said = run.stopped_line(saves_a_model=True)
    assert "epoch 1, which is not counted" in said and "No epoch was complete" in said and "0 complete" not in said
    run.outcome.record({"loss": 1.0}, 1.0)
    run.outcome.stopped_in = 2
    assert run.stopped_line(saves_a_model=True).endswith("What the 1 complete epoch learned is saved.")


def test_one_epochs_figure_marks_whole_epochs_only():
    figure = plots.history_figure({"loss": [1.0], "val_loss": [1.2], "accuracy": [0.5], "val_accuracy": [0.4]}, "t")
    figure.canvas.draw()
    for axes in figure.axes:
        low, high = axes.get_xlim()
        assert [tick for tick in axes.get_xticks() if low <= tick <= high] == [1]
    plots.show_or_close(figure, show=False)


def test_the_gates_figure_keeps_long_window_labels_inside_it():
    from common.notes import gates

    rng = np.random.default_rng(0)
    steps = [tuple(rng.random(4) for _ in range(6)) for _ in range(6)]
    labels = ["a window of eight long words read together here"] * 6
    figure = gates.figure(steps, labels, "t")
    renderer = figure.canvas.get_renderer()
    assert min(label.get_window_extent(renderer).y0 for label in figure.axes[-1].get_xticklabels()) >= 0
    plots.show_or_close(figure, show=False)


def test_blank_lines_of_a_predict_file_are_noted(tmp_path, capsys):
    from common import predict

    texts = tmp_path / "texts.txt"
    texts.write_text("good\n\nbad\n   \nfine\n", encoding="utf-8")
    assert predict.read_texts(SimpleNamespace(predict=None, predict_file=str(texts))) == ["good", "bad", "fine"]
    assert "2 blank lines skipped (line 2, 4)" in capsys.readouterr().err


def test_a_second_ctrl_c_while_a_stopped_run_is_saved_says_saving_is_never_cut(tmp_path, capsys):
    run = Run(SimpleNamespace(script="x", out=str(tmp_path / "run"), dry_run=True, show=False),
              SimpleNamespace(epochs=3))
    with run.training():
        run.signal_stops.on_signal(signal.SIGINT, None)  # the first: stop after this step
    run.signal_stops.on_signal(signal.SIGINT, None)  # the second, 0.3 s later: the run is being saved
    assert run.finish(None, plots.pyplot().figure()) == 130
    said = capsys.readouterr().err.strip().splitlines()
    assert said[0].startswith("SIGINT: stopping after this step") and "the saving is never cut" in said[0]
    assert said[-1] == "SIGINT: the stopped run is being saved, which is never cut; the script ends when that is done"
    assert not any("complete" in line for line in said)  # an interrupted run is never called complete
