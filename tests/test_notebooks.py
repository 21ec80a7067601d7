"""notebooks/: one per script, made from it by notebooks/generate.py, and each runs top to bottom.

Every notebook runs here as a reader on Colab runs it, with its first cell's DRY_RUN set to True
(the dry run's synthetic data), in a Jupyter kernel (nbclient), in a folder of its own that
holds the project's scripts: the checkout's runs/ is never touched.
"""
import importlib.util

import pytest
from conftest import REPO

nbformat = pytest.importorskip("nbformat", reason="the notebooks run where requirements.txt is installed")
NotebookClient = pytest.importorskip("nbclient", reason="the notebooks run where requirements.txt is installed").NotebookClient

spec = importlib.util.spec_from_file_location("generate", REPO / "notebooks" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)
NAMES = sorted(path.stem for path in REPO.glob("*.py"))  # every script of the project


def test_every_script_has_a_notebook_and_none_is_stale():
    assert sorted(generate.PAGES) == sorted(NAMES), "a new script: give it its page in notebooks/generate.py"
    stale = [name for name in NAMES
             if (REPO / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8") != generate.text(REPO / f"{name}.py")]
    assert stale == [], f"{stale}: the script changed; run `python notebooks/generate.py`"


@pytest.mark.parametrize("readme", ["README.md", "README.ko.md"])
def test_both_readmes_open_every_notebook_in_colab(readme):
    text = (REPO / readme).read_text(encoding="utf-8")
    missing = [name for name in NAMES if generate.COLAB_LINK.format(github=generate.GITHUB, name=name) not in text]
    assert missing == [], f"{readme} has no Colab link for {missing}"


def test_the_settings_cell_is_the_scripts_and_the_run_reads_it(monkeypatch):
    """The settings cell holds the script's constants as the script writes them; a value changed
    there reaches the script as its flag."""
    from common import cli

    monkeypatch.chdir(REPO)  # as the notebook's first cell leaves it (it only reads here)
    cell = next(cell for cell in nbformat.read(REPO / "notebooks" / "caption_shapes.ipynb", 4).cells
                if "parameters" in cell.metadata.get("tags", []))
    assert "EPOCHS = 20  # at most: training stops once the validation loss has not improved" in cell.source
    values = {}
    exec(cell.source.replace("EPOCHS = 20", "EPOCHS = 3").replace('LANGUAGE = "ko"', 'LANGUAGE = "en"'), values)
    assert values["flags"] == "--language en --epochs 3"
    assert cli.notebook_flags("caption_shapes.py", {"DRY_RUN": True, "WITH_ATTENTION": False}) == \
        "--dry-run --with-attention false"


def project_copy(folder):
    """A folder that holds the project's scripts (links) and a notebooks/ folder, as a clone does."""
    for path in [*REPO.glob("*.py"), REPO / "common", REPO / "README.ko.md"]:
        (folder / path.name).symlink_to(path)
    (folder / "notebooks").mkdir()
    return folder / "notebooks"


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", NAMES)
def test_a_notebook_runs_top_to_bottom_on_the_dry_runs_data(name, tmp_path):
    notebook = nbformat.read(REPO / "notebooks" / f"{name}.ipynb", 4)
    parameters = next(cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", []))
    assert parameters.source.startswith("DRY_RUN = False\n")
    parameters.source = parameters.source.replace("DRY_RUN = False", "DRY_RUN = True", 1)
    folder = project_copy(tmp_path)
    NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(folder)}}).execute()
    nbformat.write(notebook, tmp_path / f"{name}.ipynb")  # as run, to look at
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs]
    errors = [output for output in outputs if output.output_type == "error"]
    assert errors == [], f"{errors[0].ename}: {errors[0].evalue}"
    said = "".join(output.get("text", "") for output in outputs if output.output_type == "stream")
    assert ": error:" not in said and "Traceback" not in said, said
    figures = [output for output in outputs if "image/png" in output.get("data", {})]
    assert figures, "no figure shown under a cell"
    assert list((tmp_path / "runs" / name / "dry-run").glob("*/metrics.json")), "no run folder"
