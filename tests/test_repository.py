"""Repository-wide checks: the book's configuration, table of contents and notebooks agree.

These guard conventions that no unit test of ``gan_edu`` sees:

* ``_config.yml`` names the repository once; every notebook's first code cell installs
  ``gan_edu`` in Colab from exactly that URL, and only when it is missing;
* every file ``_toc.yml`` lists exists, and every page and notebook is listed
  (``only_build_toc_files`` would otherwise drop it silently);
* notebooks are committed from a clean top-to-bottom run (execution counts 1..n, outputs
  stored, no error outputs), with the ``python3`` kernel;
* every ``{cite}`` key used in the book exists in ``book/references.bib``.

With no notebook present the parametrized tests collect nothing, and the plain tests still run.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
PAGES = sorted((ROOT / "book").glob("*.md"))
SOURCE_SUFFIXES = (".md", ".ipynb")


def _config() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))


def _repository_url() -> str:
    return _config()["repository"]["url"].rstrip("/")


def _toc_files(node: Any) -> list[str]:
    """Every ``root`` / ``file`` entry of a jb-book ``_toc.yml``, depth first."""
    found: list[str] = []
    if isinstance(node, dict):
        for key in ("root", "file"):
            if key in node:
                found.append(str(node[key]))
        for value in node.values():
            if isinstance(value, (list, dict)):
                found.extend(_toc_files(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_toc_files(item))
    return found


def _toc() -> list[str]:
    return _toc_files(yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8")))


def _resolve(entry: str) -> Path | None:
    """The source file of a TOC entry (written with or without its suffix), or None."""
    path = ROOT / entry
    if path.suffix in SOURCE_SUFFIXES and path.is_file():
        return path
    for suffix in SOURCE_SUFFIXES:
        candidate = path.with_name(path.name + suffix)
        if candidate.is_file():
            return candidate
    return None


def _load(notebook: Path) -> dict[str, Any]:
    return json.loads(notebook.read_text(encoding="utf-8"))


def _code_cells(nb: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in nb["cells"] if cell["cell_type"] == "code"]


def _source(cell: dict[str, Any]) -> str:
    source = cell["source"]
    return "".join(source) if isinstance(source, list) else source


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


# --- configuration and table of contents ------------------------------------------------


def test_config_names_one_https_github_repository() -> None:
    url = _repository_url()
    assert re.fullmatch(r"https://github\.com/[\w.-]+/[\w.-]+", url), url
    assert _config()["repository"]["branch"] == "main"


def test_config_serves_mathjax_locally_and_fails_on_cell_errors() -> None:
    config = _config()
    assert "sphinx-mathjax-offline" in config["sphinx"]["extra_extensions"]
    # The book shows the committed outputs (nbval proves they reproduce): it executes nothing.
    assert config["execute"]["execute_notebooks"] == "off"
    assert config["execute"]["raise_on_error"] is True
    assert config["execute"]["allow_errors"] is False
    # jupyter-book injects every .js file under _static/ into every page: keep JS out of it.
    assert not list((ROOT / "_static").rglob("*.js"))


def test_toc_root_is_the_landing_page() -> None:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    assert toc["format"] == "jb-book"
    assert toc["root"] == "book/intro"


def test_every_toc_entry_exists() -> None:
    entries = _toc()
    missing = [entry for entry in entries if _resolve(entry) is None]
    assert entries and not missing, f"_toc.yml lists missing files: {missing}"


def test_toc_lists_no_file_twice() -> None:
    entries = _toc()
    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    assert not duplicates, duplicates


@pytest.mark.parametrize("source", PAGES + NOTEBOOKS, ids=_ids(PAGES + NOTEBOOKS))
def test_every_page_and_notebook_is_in_the_toc(source: Path) -> None:
    listed = {_resolve(entry) for entry in _toc()}
    assert source in listed, f"{source.relative_to(ROOT)} is not in _toc.yml, so the book drops it"


def test_repository_url_is_written_only_in_config_and_notebook_install_cells() -> None:
    url = _repository_url()
    offenders = []
    for folder in ("gan_edu", "book", "benchmarks", "tests"):
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".md", ".bib", ".yml", ".toml"}:
                if path != Path(__file__).resolve() and url in path.read_text(encoding="utf-8"):
                    offenders.append(str(path.relative_to(ROOT)))
    for name in ("README.md", "pyproject.toml", "_toc.yml"):
        if url in (ROOT / name).read_text(encoding="utf-8"):
            offenders.append(name)
    assert not offenders, f"the repository URL belongs in _config.yml only, found in {offenders}"


# --- bibliography -------------------------------------------------------------------------

_CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")


def _bib_keys() -> list[str]:
    text = (ROOT / "book" / "references.bib").read_text(encoding="utf-8")
    return re.findall(r"^@\w+\{([^,\s]+),", text, flags=re.MULTILINE)


def test_bibliography_keys_are_unique() -> None:
    keys = _bib_keys()
    assert keys and len(keys) == len(set(keys)), keys


def test_every_cited_key_is_in_the_bibliography() -> None:
    keys = set(_bib_keys())
    cited: set[str] = set()
    for path in PAGES:
        cited |= {k.strip() for m in _CITE.findall(path.read_text(encoding="utf-8")) for k in m.split(",")}
    for notebook in NOTEBOOKS:
        for cell in _load(notebook)["cells"]:
            if cell["cell_type"] == "markdown":
                cited |= {k.strip() for m in _CITE.findall(_source(cell)) for k in m.split(",")}
    assert not cited - keys, f"cited but not in references.bib: {sorted(cited - keys)}"


# --- notebooks ------------------------------------------------------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_first_code_cell_installs_gan_edu_from_the_config_url_only_when_missing(notebook: Path) -> None:
    cells = _code_cells(_load(notebook))
    assert cells, f"{notebook.name} has no code cell"
    first = _source(cells[0])
    urls = re.findall(r"git\+([^\s\"']+)", first)
    assert urls == [_repository_url()], f"{notebook.name}: install URL {urls} != _config.yml"
    assert re.search(r"find_spec\([\"']gan_edu[\"']\) is None", first), notebook.name
    assert "pip" in first and "install" in first, notebook.name


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_is_committed_from_a_clean_in_order_run(notebook: Path) -> None:
    cells = [c for c in _code_cells(_load(notebook)) if _source(c).strip()]
    counts = [cell.get("execution_count") for cell in cells]
    assert counts == list(range(1, len(cells) + 1)), f"{notebook.name}: execution counts {counts}"
    outputs = [out for cell in cells for out in cell.get("outputs", [])]
    assert outputs, f"{notebook.name} has no stored output"
    errors = [out.get("ename") for out in outputs if out.get("output_type") == "error"]
    assert not errors, f"{notebook.name} stores error outputs: {errors}"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_kernel_is_python3(notebook: Path) -> None:
    kernelspec = _load(notebook).get("metadata", {}).get("kernelspec", {})
    assert kernelspec.get("name") == "python3", f"{notebook.name}: kernelspec {kernelspec}"


# --- Colab as it is ---------------------------------------------------------------------------

# Code that trains a network: such a notebook asks Colab for a GPU and passes a device along.
_TRAINS = re.compile(r"\b(Trainer|train_toy|build_toy_trainer|train_dcgan|build_dcgan_trainer|\.fit)\(")
# Reading files: a notebook must not need anything outside the repository or local data.
_READS = re.compile(r"\b(open|read_csv|loadtxt|genfromtxt|imread)\(|np\.load\(|torch\.load\(|Path\(|[\"']/(home|Users|tmp|mnt|data)/")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_metadata_is_what_colab_expects(notebook: Path) -> None:
    nb = _load(notebook)
    metadata = nb["metadata"]
    assert nb["nbformat"] == 4
    assert metadata["kernelspec"] == {"display_name": "Python 3", "language": "python", "name": "python3"}
    assert metadata.get("colab", {}).get("provenance") == [], f"{notebook.name}: no colab metadata"
    trains = any(_TRAINS.search(_source(cell)) for cell in _code_cells(nb))
    if trains:
        assert metadata.get("accelerator") == "GPU", f"{notebook.name} trains but has no GPU accelerator hint"
        assert metadata["colab"].get("gpuType"), f"{notebook.name}: no colab.gpuType"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_has_one_marked_parameter_cell_defaulting_to_ci_scale(notebook: Path) -> None:
    cells = _code_cells(_load(notebook))
    tagged = [cell for cell in cells if "parameters" in cell["metadata"].get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name}: {len(tagged)} cells tagged 'parameters'"
    assert cells.index(tagged[0]) == 1, f"{notebook.name}: the parameter cell must follow the install cell"
    source = _source(tagged[0])
    assert source.startswith("# Parameters"), f"{notebook.name}: parameter cell must say what it is"
    assert re.search(r"^FULL_SCALE = False\b", source, flags=re.MULTILINE), notebook.name


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_training_notebook_picks_the_gpu_when_there_is_one(notebook: Path) -> None:
    cells = _code_cells(_load(notebook))
    code = "\n".join(_source(cell) for cell in cells)
    if not _TRAINS.search(code):
        pytest.skip(f"{notebook.name} trains nothing")
    assert not re.search(r"device\s*=\s*[\"'](cpu|cuda)", code), f"{notebook.name} hard-codes a device"
    assert re.search(r"device\s*=\s*(DEVICE|[\"']auto[\"'])", code), f"{notebook.name} passes no device"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_notebook_reads_no_file_outside_the_repository(notebook: Path) -> None:
    offenders = [line.strip() for cell in _code_cells(_load(notebook))[1:]
                 for line in _source(cell).splitlines() if _READS.search(line)]
    assert not offenders, f"{notebook.name} reads files: {offenders}"


# --- figures and exercises --------------------------------------------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_every_notebook_figure_has_a_caption_alt_text_and_a_name(notebook: Path) -> None:
    for cell in _code_cells(_load(notebook)):
        images = [out for out in cell.get("outputs", []) if "image/png" in out.get("data", {})]
        if not images:
            continue
        assert len(images) == 1, f"{notebook.name}: a cell shows {len(images)} figures; one per cell"
        meta = cell["metadata"].get("mystnb", {})
        caption = meta.get("figure", {}).get("caption", "")
        alt = meta.get("image", {}).get("alt", "")
        first_line = _source(cell).splitlines()[0]
        assert len(caption) > 40, f"{notebook.name}: figure of cell '{first_line}' has no caption"
        assert len(alt) > 40 and ".png" not in alt, f"{notebook.name}: figure of cell '{first_line}' has no alt text"
        assert re.fullmatch(r"fig-[a-z0-9-]+", meta["figure"].get("name", "")), notebook.name


CHAPTERS = [p for p in PAGES if p.stem not in {"intro", "library", "benchmarks", "errata", "references"}]


@pytest.mark.parametrize("page", CHAPTERS, ids=_ids(CHAPTERS))
def test_chapter_ends_with_exercises_with_hidden_solutions_one_checkable_by_code(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    headings = re.findall(r"^(#{1,6}) (.+)$", text, flags=re.MULTILINE)
    assert headings[-1][1].strip() == "Exercises", f"{page.name}: last section is {headings[-1][1]!r}"
    # sphinx-exercise directives, plain or gated (-start/-end), with ``` or ::: fences.
    exercises = re.findall(r"^(?:`{3,}|:{3,})\{exercise(?:-start)?\}", text, flags=re.MULTILINE)
    solutions = re.findall(r"^(?:`{3,}|:{3,})\{solution(?:-start)?\}[^\n]*\n(?::[a-z-]+:[^\n]*\n)*", text,
                           flags=re.MULTILINE)
    assert exercises and len(solutions) == len(exercises), f"{page.name}: {len(exercises)} exercises, {len(solutions)} solutions"
    assert all(":class: dropdown" in s for s in solutions), f"{page.name}: every solution must be a collapsed dropdown"
    section = text[text.rindex("# Exercises"):]
    assert "```python" in section or "```{code-cell}" in section, f"{page.name}: no exercise checkable by running code"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_outputs_of_training_runs_are_marked_variable_and_their_claims_asserted(notebook: Path) -> None:
    """The policy of the README: a cell whose output depends on a training run carries the
    tag ``nbval-ignore-output``, says so in a comment, and its claims are asserted (in it or
    after it), so that another CPU's digits cannot fail CI while a wrong claim still does."""
    cells = _code_cells(_load(notebook))
    tagged = [i for i, cell in enumerate(cells) if "nbval-ignore-output" in cell.get("metadata", {}).get("tags", [])]
    for i in tagged:
        source = _source(cells[i])
        assert "vary" in source, f"{notebook.name} code cell {i} is not compared but does not say why"
        assert any("assert " in _source(cell) for cell in cells[i:]), (
            f"{notebook.name} code cell {i}: no assert after an output that is not compared")
    if "fit(" in "".join(_source(cell) for cell in cells) or "train_with_snapshots" in "".join(
            _source(cell) for cell in cells):
        assert tagged, f"{notebook.name} trains a model but marks no output as variable"


def _listing(page: Path, target: str, options: dict[str, str]) -> list[str]:
    """The lines a ``literalinclude`` with ``:pyobject:`` (and start-at, end-before, dedent) shows."""
    import ast

    path = (page.parent / target).resolve()
    source = path.read_text()
    node = ast.parse(source)
    for name in options["pyobject"].split("."):
        node = next(n for n in ast.walk(node) if isinstance(n, (ast.FunctionDef, ast.ClassDef)) and n.name == name)
    lines = source.splitlines()[node.lineno - 1 - len(node.decorator_list):node.end_lineno]
    if "start-at" in options:
        lines = lines[next(i for i, line in enumerate(lines) if options["start-at"] in line):]
    if "end-before" in options:
        lines = lines[:next(i for i, line in enumerate(lines) if options["end-before"] in line)]
    dedent = int(options.get("dedent", 0))
    return [line[dedent:] for line in lines]


def test_code_listings_on_chapter_pages_are_short_and_fit_a_column():
    """Teaching code on the pages: at most 15 lines (25 for the whole algorithm), 88 columns."""
    import re

    checked = 0
    for page in sorted((ROOT / "book").glob("*.md")):
        text = page.read_text()
        for match in re.finditer(r"```\{literalinclude\} (\S+)\n((?::[^\n]*\n)*)", text):
            options = dict(re.findall(r":([\w-]+): ?(.*)", match.group(2)))
            assert "pyobject" in options, f"{page.name}: literalinclude {match.group(1)} without :pyobject:"
            assert "lines" not in options, f"{page.name}: line numbers drift; use start-at / end-before"
            lines = _listing(page, match.group(1), options)
            limit = 25 if options["pyobject"] == "train" else 15
            where = f"{page.name}: {options['pyobject']}"
            assert len(lines) <= limit, f"{where} shows {len(lines)} lines (at most {limit})"
            width = max(len(line) for line in lines)
            assert width <= 88, f"{where} has a line of {width} characters (at most 88)"
            assert ".. math::" not in "\n".join(lines), f"{where} shows raw reST math"
            checked += 1
    assert checked >= 8
