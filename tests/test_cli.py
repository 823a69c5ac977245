"""python -m gan_edu: usage errors, no overwriting without --force, a short run writes its files."""

import json
import os
import subprocess
import sys

import pytest

from gan_edu.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("argv", [
    ["toy", "ring9", "--out", "x"],  # unknown target
    ["toy", "ring8", "--loss", "bogus", "--out", "x"],
    ["toy", "ring8", "--steps", "0", "--out", "x"],
    ["toy", "ring8"],  # --out missing
    [],
])
def test_bad_arguments_exit_with_usage_error(argv, tmp_path, capsys):
    os.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "x")


def test_existing_out_is_not_overwritten_without_force(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "samples.png").write_bytes(b"precious")
    with pytest.raises(SystemExit) as exit_info:
        main(["toy", "ring8", "--steps", "2", "--out", str(out), "--no-progress"])
    assert exit_info.value.code == 2 and "--force" in capsys.readouterr().err
    assert (out / "samples.png").read_bytes() == b"precious"


def test_short_run_writes_png_and_metrics(tmp_path):
    out = tmp_path / "run"
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-m", "gan_edu", "toy", "ring8", "--steps", "50", "--seed", "0",
                           "--device", "cpu", "--out", str(out)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["steps"] == 50 and metrics["n_modes"] == 8 and 0 <= metrics["modes"] <= 8
    assert "modes" in proc.stdout and "high quality" in proc.stdout
