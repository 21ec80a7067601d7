"""The command line: constants overridden by name, --help, and one-line errors (exit 2)."""
import pytest
from conftest import REPO, run_script

import reuters_lstm
from common import cli

SCRIPTS = ["reuters_lstm.py", "imdb_cnn_lstm.py", "char_rnn_hello.py", "char_rnn_text.py", "nsmc_cnn_lstm.py",
           "imdb_attention.py", "translate_en_ko.py", "caption_shapes.py"]
LENGTH = {"char_rnn_text.py": "--steps"}  # how long each trains; the others count epochs


def parse(*argv):
    return cli.parse(reuters_lstm.SETTINGS, list(argv))


def test_every_constant_is_a_setting_with_its_type():
    config, args = parse("--num-words", "2000", "--test-split", "0.25", "--epochs=3")
    assert config.num_words == 2000 and type(config.num_words) is int
    assert config.test_split == 0.25 and config.epochs == 3
    assert config.lstm_units == reuters_lstm.LSTM_UNITS  # untouched ones keep the file's value
    assert not args.dry_run and args.script == "reuters_lstm"


@pytest.mark.parametrize("argv, message", [
    (["--epochs", "0"], "--epochs must be a positive integer"),
    (["--epochs", "2.5"], "--epochs expects int"),
    (["--batch-size", "-1"], "--batch-size must be a positive integer"),
    (["--test-split", "1"], "--test-split must be between 0 and 1"),
    (["--num-words", "3"], "ids 0, 1 and 2 are reserved"),
    (["--seed", "-1"], "--seed must be an integer >= 0"),
    (["--epoch", "3"], "did you mean --epochs?"),
    (["--no-such-thing"], "unknown option --no-such-thing"),
    (["--epochs"], "expected one argument"),
])
def test_bad_values_are_refused(argv, message):
    with pytest.raises(cli.UsageError, match=message.replace("?", r"\?")):
        parse(*argv)


def test_help_lists_every_setting_with_its_value_and_comment():
    text = " ".join(cli.build_parser(reuters_lstm.SETTINGS).format_help().split())  # unwrap lines
    for name, value in reuters_lstm.SETTINGS.values.items():
        assert cli.flag_name(name) in text
        assert f"(now {value!r})" in text
    assert "wires per gradient step" in text  # the comment beside BATCH_SIZE
    assert "training:" in text and "model:" in text  # the script's headings become groups


@pytest.mark.parametrize("script", SCRIPTS)
def test_help_answers_without_loading_tensorflow(script):
    probe = (f"import sys, runpy; sys.argv = ['{script}', '--help']\n"
             f"try: runpy.run_path(r'{REPO / script}', run_name='__main__')\n"
             "except SystemExit as e: print('exit', e.code)\n"
             "print('heavy:', sorted(m for m in ('tensorflow', 'keras', 'matplotlib') if m in sys.modules))")
    result = run_script("-c", probe)
    assert LENGTH.get(script, "--epochs") in result.stdout
    assert "exit 0" in result.stdout and "heavy: []" in result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_a_bad_value_is_one_line_and_exit_2(script, tmp_path):
    flag = LENGTH.get(script, "--epochs")
    result = run_script(REPO / script, flag, "zero", "--out", tmp_path / "run")
    assert result.returncode == 2
    assert result.stderr.strip() == f"{script}: error: {flag} expects int, got 'zero'"
    assert not (tmp_path / "run").exists()


def script_globals(**constants):
    return {"__file__": str(REPO / "reuters_lstm.py"), "__doc__": "A script.", **constants}


def test_a_scripts_own_rule_decides_what_a_setting_accepts():
    names = script_globals(EPOCHS=3, PATIENCE=0)
    with pytest.raises(ValueError, match="PATIENCE = 0 breaks its rule"):  # said to the author, at once
        cli.settings(names)
    settings = cli.settings(names, rules={"PATIENCE": cli.rule(lambda n: n >= 0, "must be >= 0")})
    assert cli.parse(settings, ["--patience", "0"])[0].patience == 0
    with pytest.raises(cli.UsageError, match="--patience must be >= 0; got -1"):
        cli.parse(settings, ["--patience", "-1"])
    with pytest.raises(cli.UsageError, match="--epochs must be a positive integer"):  # the generic rule
        cli.parse(settings, ["--epochs", "0"])


def test_only_constants_above_the_settings_line_are_settings():
    names = script_globals(EPOCHS=3)
    settings = cli.settings(names)
    names["EXAMPLE_TEXT"] = "defined below SETTINGS"
    assert list(settings.values) == ["EPOCHS"]
    with pytest.raises(cli.UsageError, match="unknown option --example-text"):
        cli.parse(settings, ["--example-text", "x"])
    with pytest.raises(ValueError, match="no settings"):
        cli.settings(names, rules={"EPOCH": cli.FRACTION})  # a misspelt name is caught


def test_checks_join_several_settings():
    import imdb_cnn_lstm

    with pytest.raises(cli.UsageError, match="--maxlen must leave at least one --pool-size window"):
        cli.parse(imdb_cnn_lstm.SETTINGS, ["--maxlen", "6"])
    assert cli.parse(imdb_cnn_lstm.SETTINGS, ["--maxlen", "8"])[0].maxlen == 8


def test_a_percent_sign_in_a_comment_shows_in_help_as_written(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("MAXLEN = 40  # holds 89% of reviews whole\n")
    settings = cli.settings({"__file__": str(script), "__doc__": "A script.", "MAXLEN": 40})
    assert "holds 89% of reviews whole (now 40)" in " ".join(cli.build_parser(settings).format_help().split())


def test_a_preset_sets_what_the_command_line_does_not():
    names = script_globals(EDITION=1, MAXLEN=100, EPOCHS=5)
    settings = cli.settings(names, rules={"EDITION": cli.rule(lambda e: e in (1, 3), "must be 1 or 3")},
                            presets={"EDITION": {3: {"MAXLEN": 500, "EPOCHS": 100}}})
    first = cli.parse(settings, [])[0]
    assert (first.maxlen, first.epochs) == (100, 5)
    third = cli.parse(settings, ["--edition", "3", "--epochs", "2"])[0]
    assert (third.edition, third.maxlen, third.epochs) == (3, 500, 2)
    with pytest.raises(ValueError, match="no settings"):
        cli.settings(names, presets={"EDITION": {3: {"MAXLENGTH": 500}}})
    with pytest.raises(ValueError, match="not a value it takes"):
        cli.settings(names, presets={"EDITION": {3: {"MAXLEN": -1}}})
