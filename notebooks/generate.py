"""The notebooks, one per script, made from the script itself: never edit a .ipynb by hand.

    python notebooks/generate.py      # writes notebooks/SCRIPT.ipynb for every script

Each reads like the book's Colab page: a heading in Korean and English and the script's own
description (its docstring); a cell that gets the project on Colab and installs only what Colab
lacks; the script's settings, verbatim, in a cell the reader edits; the script's run (`%run`,
its figures inline); then the script's own examples (its docstring's --predict, --explain,
--attention and --generate lines) on the reader's sentence. tests/test_notebooks.py fails when a
notebook is not what this writes from its script, and runs every one on the dry run's data.
Saved without outputs: Colab runs them.
"""
import ast
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
FOLDER = REPO / "notebooks"
GITHUB = "OWNER/rnn-chapter"  # the project's GitHub repository: the Colab links and the clone read it
COLAB_LINK = "https://colab.research.google.com/github/{github}/blob/main/notebooks/{name}.ipynb"
ANSWERING = ("--predict", "--predict-file", "--attention", "--gates", "--generate")  # the examples a trained run answers


@dataclass(frozen=True)
class Page:
    korean: str  # the heading in Korean
    colab_lacks: tuple = ("koreanize-matplotlib",)  # pip packages (pinned from requirements.txt): Hangul in figures
    settings: dict = field(default_factory=dict)  # setting -> the notebook's line for it, where it differs
    before_examples: str = ""  # code that makes what the examples read (a picture)


KIWI = ("kiwipiepy", "kiwipiepy_model")
PAGES = {
    "reuters_lstm": Page("LSTM을 이용한 로이터 뉴스 카테고리 분류"),
    "imdb_cnn_lstm": Page("LSTM과 CNN의 조합을 이용한 영화 리뷰 분류"),
    "imdb_attention": Page("어텐션을 사용한 신경망 (3판)"),
    "nsmc_cnn_lstm": Page("네이버 영화 리뷰 감성 분류 (책의 IMDB 모델로)", ("koreanize-matplotlib", *KIWI)),
    "char_rnn_hello": Page("문자 단위 RNN: 'hell' → 'ello'"),
    "char_rnn_text": Page("문자 단위 언어 모델: 아무 글이나", settings={
        "TEXT_FILE": 'TEXT_FILE = "README.ko.md"  # the UTF-8 text to learn: here, this project\'s Korean README'}),
    "vanishing_gradient": Page("기울기 소실: RNN과 LSTM, 노트의 식으로 재기"),
    "translate_en_ko": Page("영어를 한국어로: 다수 입력 다수 출력 (시퀀스 투 시퀀스)",
                            ("koreanize-matplotlib", *KIWI, "sacrebleu")),
    "caption_shapes": Page("그림 하나를 넣으면 문장: 단일 입력 다수 출력 (이미지 캡션)", before_examples='''\
# A picture of your own, drawn with Pillow (or upload one): a red disc on the left
from PIL import Image, ImageDraw

picture = Image.new("RGB", (64, 64), "white")
ImageDraw.Draw(picture).ellipse((4, 24, 18, 38), fill=(220, 30, 30))
picture.save("my_picture.png")
picture'''),
}


def pins():
    """Package -> its pin in requirements.txt, so that a notebook installs what the tests ran."""
    found = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if match := re.match(r"([A-Za-z0-9_.-]+)==([^\s;#]+)\s*(?:#.*)?$", line):
            found[match.group(1)] = match.group(0).split("#")[0].strip()
    return found


def settings_block(source, page):
    """The script's settings as it writes them: from its first constant to the comment block
    above `SETTINGS = cli.settings(`, with the page's own lines where it has them."""
    lines = source.splitlines()
    settings_line = next(number for number, line in enumerate(lines) if line.startswith("SETTINGS = cli.settings("))
    constants = [number for number, line in enumerate(lines[:settings_line]) if re.match(r"[A-Z][A-Z0-9_]* = ", line)]
    start, end = constants[0], constants[-1] + 1  # the rules' helpers and comments below them stay in the script
    while start and lines[start - 1].startswith("#"):
        start -= 1  # its heading
    block = lines[start:end]
    for name, line in page.settings.items():
        block = [line if re.match(rf"{name} = ", old) else old for old in block]
    return "\n".join(block)


def examples(docstring, script):
    """The docstring's example commands: (arguments, comment) for each `python SCRIPT ...` line."""
    found = []
    for line in docstring.splitlines():
        command, comment = (re.split(r"\s+#\s*", line.strip(), maxsplit=1) + [""])[:2]
        words = shlex.split(command) if command.startswith(f"python {script}") else []
        if words:
            found.append((words[2:], comment.strip().lstrip("# ")))
    return found


def description(docstring):
    """The docstring less its example commands, as Markdown."""
    kept = [line for line in docstring.splitlines()[1:] if not line.strip().startswith("python ")]
    return "\n".join(kept).strip()


def notebook(script_path):
    name = script_path.stem
    page, script = PAGES[name], script_path.name
    source = script_path.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source))
    title = docstring.splitlines()[0]
    lacks = " ".join(pins()[package] for package in page.colab_lacks)
    answering = [(words, comment) for words, comment in examples(docstring, script)
                 if any(word in ANSWERING for word in words) and "--predict-file" not in words]
    other_runs = [(words, comment) for words, comment in examples(docstring, script)
                  if words not in ([], ["--dry-run"]) and not any(word in ANSWERING for word in words)]
    link = COLAB_LINK.format(github=GITHUB, name=name)
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {page.korean}\n\n**{title}**\n\n[Open in Colab]({link})\n\n{description(docstring)}\n\n"
            f"*Made from `{script}` by `notebooks/generate.py`: change the script, not this notebook.*"),
        nbformat.v4.new_markdown_cell(
            "## 준비 · Set-up\n\nOn Colab this cell fetches the project and installs what Colab lacks "
            f"(`{lacks}`); Colab has TensorFlow, Keras, NumPy and matplotlib. In Jupyter on your own "
            "machine, open the notebook in the project's `notebooks/` folder after the README's set-up."),
        nbformat.v4.new_code_cell(
            "import sys\nfrom pathlib import Path\n\n"
            'if "google.colab" in sys.modules:\n'
            '    if not Path("/content/rnn-chapter").exists():\n'
            f"        !git clone --quiet --depth 1 https://github.com/{GITHUB} /content/rnn-chapter\n"
            f"    !pip install --quiet {lacks}\n"
            "    %cd /content/rnn-chapter\n"
            'elif Path.cwd().name == "notebooks":  # the scripts run from the project\'s folder\n'
            "    %cd .."),
        nbformat.v4.new_markdown_cell(
            "## 설정 · Settings\n\nThe script's settings, as it writes them: change any and run the cells "
            f"below (`python {script} --help` says what each accepts). `DRY_RUN = True` runs the whole page "
            "on small synthetic data in seconds, and the examples below then answer with that run's model."),
        nbformat.v4.new_code_cell(
            "DRY_RUN = False\n\n" + settings_block(source, page) + "\n\nfrom common import cli\n\n"
            f'flags = cli.notebook_flags("{script}", globals())  # the settings changed above, as flags\n'
            'answering = "--dry-run" if DRY_RUN else ""\n'
            f'print("python {script}", flags)', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_markdown_cell(
            "## 실행 · The run\n\nThe page itself: the data, the model, training, the test, the figures (here, "
            "under the cell) and the run folder (`runs/`). Stop it with the kernel's stop button: the run "
            "stops after the step and keeps what it learned."),
        nbformat.v4.new_code_cell(f"%run {script} {{flags}}"),
    ]
    if answering:
        cells.append(nbformat.v4.new_markdown_cell(
            "## 직접 해 보기 · Your own\n\nThe trained run answers; put your own sentence in place of the example's."))
        if page.before_examples:
            cells.append(nbformat.v4.new_code_cell(page.before_examples))
        for words, comment in answering:
            if comment:
                cells.append(nbformat.v4.new_markdown_cell(comment[0].upper() + comment[1:] + ":"))
            cells.append(nbformat.v4.new_code_cell(f"%run {script} {shlex.join(words)} {{answering}}"))
    if other_runs:
        cells.append(nbformat.v4.new_markdown_cell(
            "## 다른 실행 · Other runs\n\nThe same as changing the settings above:\n\n" + "\n".join(
                f"- `python {script} {shlex.join(words)}`" + (f": {comment}" if comment else "")
                for words, comment in other_runs)))
    made = nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}, "colab": {"provenance": []}})
    for number, cell in enumerate(made.cells):
        cell.id = f"{name}-{number}"  # fixed ids: the same script always makes the same file
    return made


def scripts():
    return [REPO / f"{name}.py" for name in PAGES]


def text(script_path):
    return nbformat.writes(notebook(script_path)) + "\n"


def main():
    FOLDER.mkdir(exist_ok=True)
    for script_path in scripts():
        out = FOLDER / f"{script_path.stem}.ipynb"
        out.write_text(text(script_path), encoding="utf-8")
        print(out.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
