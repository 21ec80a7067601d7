"""char_rnn_text.py: a character language model on any text, with both implementations."""
import json
import math
import shutil

import numpy as np
import pytest
from conftest import REPO, run_script

import char_rnn_text
from common import cli
from common.notes import char_lm

# A few hundred characters, Korean and English, with a repeating structure a small network can learn.
TEXT = "".join(f"{n}번째 줄: 안녕하세요, hello RNN.\n" for n in range(1, 13))


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


def test_streams_serve_next_character_targets_and_restart_each_pass():
    streams = char_lm.Streams(np.arange(23), count=2, seq_length=4)  # two streams: 0-10 and 11-21, targets +1
    inputs, targets, starts_a_pass = streams.next_chunk()
    assert starts_a_pass and inputs.T.tolist() == [[0, 1, 2, 3], [11, 12, 13, 14]]
    assert (targets == inputs + 1).all()
    inputs, _, starts_a_pass = streams.next_chunk()
    assert not starts_a_pass and inputs.T.tolist() == [[4, 5, 6, 7], [15, 16, 17, 18]]
    inputs, _, starts_a_pass = streams.next_chunk()  # 8-11 would run past 10: a new pass, as min-char-rnn does
    assert starts_a_pass and inputs.T.tolist() == [[0, 1, 2, 3], [11, 12, 13, 14]]


@pytest.mark.parametrize("impl, cell", [("numpy", "rnn"), ("numpy", "lstm"), ("keras", "rnn")])
def test_a_small_text_is_learned_far_below_guessing_in_seconds(text_file, tmp_path, impl, cell):
    out = tmp_path / "run"
    code = char_rnn_text.main(["--text-file", str(text_file), "--impl", impl, "--cell", cell, "--steps", "300",
                                "--batch-size", "4", "--learning-rate", "0.01", "--sample-every", "150",
                                "--temperature", "1", "--out", str(out)])
    assert code == 0
    metrics = json.loads((out / "metrics.json").read_text())
    alphabet = json.loads((out / char_rnn_text.ALPHABET).read_text(encoding="utf-8"))
    assert alphabet == "".join(dict.fromkeys(TEXT))
    guessing = math.log(len(alphabet))
    loss = metrics["training_loss_per_character"]
    assert loss < 0.4 * guessing, loss  # measured 0.03 (NumPy RNN, LSTM) and 0.09 (Keras RNN) of ln 29; untrained: 1
    samples = (out / char_rnn_text.SAMPLES).read_text(encoding="utf-8")
    written = "".join(line for line in samples.splitlines() if not line.startswith("--- step"))
    assert len(written) > 150 and set(written) <= set(alphabet)
    assert (out / ("model.npz" if impl == "numpy" else "model.keras")).is_file()


@pytest.fixture(scope="module")
def numpy_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lm")
    (folder / "small.txt").write_text(TEXT, encoding="utf-8")
    assert char_rnn_text.main(["--text-file", str(folder / "small.txt"), "--impl", "numpy", "--steps", "200",
                                "--batch-size", "4", "--out", str(folder / "run")]) == 0
    return folder / "run"


def test_generate_writes_n_characters_of_the_text_from_a_saved_run(numpy_run, capsys):
    capsys.readouterr()
    assert char_rnn_text.main(["--generate", "80", "--model", str(numpy_run / "model.npz"), "--temperature", "1"]) == 0
    said = capsys.readouterr()
    written = said.out.rstrip("\n")
    assert len(written) == 81 and set(written) <= set(TEXT)  # the start character, then 80
    assert said.err == f"Writing: the model of {numpy_run} (200 steps)\n"


def test_generate_without_model_takes_the_newest_complete_run(numpy_run, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    shutil.copytree(numpy_run, tmp_path / "runs" / "char_rnn_text" / "lm")
    interrupted = tmp_path / "runs" / "char_rnn_text" / "newer-but-stopped"
    shutil.copytree(numpy_run, interrupted)
    metrics = json.loads((interrupted / "metrics.json").read_text())
    (interrupted / "metrics.json").write_text(json.dumps({**metrics, "status": "interrupted (SIGINT)"}))
    (interrupted / char_rnn_text.ALPHABET).touch()  # the newest run, but it did not train to the end
    capsys.readouterr()
    assert char_rnn_text.main(["--generate", "10"]) == 0
    assert capsys.readouterr().err.startswith(f"Writing: the model of {run_folder_of('lm')}")


def run_folder_of(name):
    return f"runs/char_rnn_text/{name}"


@pytest.mark.parametrize("argv, message", [
    (["--seeds", "2"], "unknown option --seeds"),
    ([], "--text-file PATH is needed"),
    (["--generate", "10"], "no language model trained yet: run `python char_rnn_text.py --text-file PATH` first"),
    (["--generate", "0", "--model", "x.npz"], "--generate must be a number of characters from 1 to"),
    (["--generate", "5", "--model", "no/such/model.npz"], "--model: no/such/model.npz does not exist"),
])
def test_no_text_no_usable_model_or_seeds_are_one_line(argv, message):
    with pytest.raises((cli.UsageError, cli.ScriptError), match=message):
        char_rnn_text.main(argv)


def test_a_model_without_its_alphabet_is_refused(numpy_run, tmp_path):
    (tmp_path / "model.npz").write_bytes((numpy_run / "model.npz").read_bytes())
    with pytest.raises(cli.ScriptError, match="the characters the model was trained on"):
        char_rnn_text.main(["--generate", "5", "--model", str(tmp_path / "model.npz")])


@pytest.mark.parametrize("content, message", [
    (b"", "holds no text"), (b"aaaa", "holds a single character"),
    (b"\x89PNG\r\n\x1a\n\0\0", "is a binary file"), (b"caf\xe9 au lait", "is not UTF-8 text"),
])
def test_a_text_that_cannot_be_learned_is_one_line(tmp_path, content, message):
    path = tmp_path / "text.txt"
    path.write_bytes(content)
    with pytest.raises(cli.ScriptError, match=f"--text-file: .*{message}"):
        char_rnn_text.main(["--impl", "numpy", "--text-file", str(path), "--out", str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()


def test_a_missing_text_file_is_one_line_and_exit_1(tmp_path):
    result = run_script(REPO / "char_rnn_text.py", "--impl", "numpy", "--text-file", tmp_path / "none.txt")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.strip() == f"char_rnn_text.py: error: --text-file: cannot read {tmp_path / 'none.txt'}: " \
                                    "No such file or directory"


def test_a_damaged_saved_model_is_one_line(numpy_run, tmp_path):
    (tmp_path / char_rnn_text.ALPHABET).write_bytes((numpy_run / char_rnn_text.ALPHABET).read_bytes())
    (tmp_path / "model.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(cli.ScriptError, match=f"cannot load the model {tmp_path / 'model.npz'}"):
        char_rnn_text.main(["--generate", "5", "--model", str(tmp_path / "model.npz")])

