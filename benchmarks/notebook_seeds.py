"""Do the notebooks' claims hold for other seeds? Each notebook, re-run with other ``SEED`` values.

A notebook's asserted claims (``assert`` statements with tolerances) are meant to hold on
any CPU and for any seed, not only for the stored run. This script executes each notebook
from a clean kernel (as ``make notebooks`` does, in memory: nothing is written) with a cell
``SEED = s`` inserted after its parameter cell, for each seed, and prints one row per run:
whether every cell ran (so every assert held), the wall time, and the values the notebook
glues for the book's prose (``myst_nb.glue``). Run it under both kernel sets CI uses:

    .venv/bin/python benchmarks/notebook_seeds.py [--seeds 0 1 2] [NOTEBOOK ...]
    ONEDNN_MAX_CPU_ISA=SSE41 ATEN_CPU_CAPABILITY=default .venv/bin/python benchmarks/notebook_seeds.py
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[1]


def with_seed(nb, seed: int):
    """The notebook with ``SEED = seed`` run right after its parameter cell."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    for index, cell in enumerate(nb.cells):
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            nb.cells.insert(index + 1, nbformat.v4.new_code_cell(f"SEED = {seed}"))
            return nb
    raise ValueError("the notebook has no cell tagged 'parameters'")


def glued(nb) -> dict[str, str]:
    """The values the notebook glued (``myst_nb.glue``), by name, as text."""
    values = {}
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:  # glue(..., display=False) stores "application/papermill.record/text/plain"
                data = output.get("data", {})
                if any(k.endswith(("image/png", "image/svg+xml")) for k in data):
                    continue  # a glued figure, not a number
                text = [v for k, v in data.items() if k.endswith("text/plain")]
                values[name] = _short(text[0]) if text else ""
    return values


def _short(text: str) -> str:
    try:
        return f"{float(text):.4g}"
    except ValueError:
        return text


def _failing_line(message: str) -> str:
    """The source line the traceback points at (``--->``), without terminal colours."""
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", message)
    marked = [line for line in plain.splitlines() if "--->" in line]
    line = marked[-1].split("--->", 1)[1] if marked else plain.strip().splitlines()[-1]
    return re.sub(r"^\s*\d+\s*", "", line).strip()[:120]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="default: every notebooks/*.ipynb")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args()
    paths = [Path(p) for p in args.notebooks] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    kernels = (f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '(default)')} "
               f"ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', '(default)')}")
    print(f"kernel set: {kernels}\n")
    print("| notebook | seed | claims hold | wall (s) | glued values |")
    print("|---|---|---|---|---|")
    for path in paths:
        source = nbformat.read(path, as_version=4)
        for seed in args.seeds:
            nb = with_seed(source, seed)
            start = time.perf_counter()
            try:
                NotebookClient(nb, timeout=900, kernel_name="python3",
                               resources={"metadata": {"path": str(path.parent)}}).execute()
                status = "yes"
            except CellExecutionError as error:
                status = f"**no**: {_failing_line(str(error))}"
            seconds = time.perf_counter() - start
            values = ", ".join(f"{k} {v}" for k, v in glued(nb).items())
            print(f"| {path.stem} | {seed} | {status} | {seconds:.0f} | {values} |", flush=True)


if __name__ == "__main__":
    main()
