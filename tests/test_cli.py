"""python -m gan_edu: usage errors, no overwriting without --force, a short run writes its files."""

import json
import os
import subprocess
import sys

import pytest

from gan_edu.cli import main
from gan_edu.distributions import toy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.mark.parametrize("argv", [
    ["toy", "ring9", "--out", "x"],  # unknown target
    ["toy", "ring8", "--loss", "bogus", "--out", "x"],
    ["toy", "ring8", "--steps", "0", "--out", "x"],
    ["toy", "ring8"],  # --out missing
    [],
    ["train", "dcgan", "--dataset", "imagenet", "--out", "x"],  # unknown data set
    ["train", "vae", "--out", "x"],  # unknown model
    ["train", "dcgan", "--steps", "0", "--out", "x"],
    ["train", "dcgan", "--batch-size", "-3", "--out", "x"],
    ["train", "dcgan", "--precision", "fp8", "--out", "x"],
    ["train", "dcgan", "--compile", "fastest", "--out", "x"],  # unknown torch.compile mode
    ["train", "dcgan"],  # --out missing
    ["train", "dcgan", "--resume", "--out", "x"],  # nothing to resume
    ["train", "dcgan", "--resume", "--force", "--out", "x"],
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
    assert metrics["steps"] == 50 and metrics["n_modes"] == 8
    # The same run in this process (same seed, same CPU: bit-identical) and the library's metric
    # on its samples: the CLI reports what the library measures, not a number of its own.
    from gan_edu.metrics import mode_coverage
    from gan_edu.recipes import train_toy

    coverage = mode_coverage(train_toy("ring8", steps=50, seed=0, device="cpu").sample(2500), toy("ring8"))
    assert metrics["modes"] == coverage.modes
    assert metrics["high_quality"] == pytest.approx(coverage.high_quality, abs=1e-12)
    assert f"ring8: {coverage.modes}/8 modes, {100 * coverage.high_quality:.1f}% high quality" in proc.stdout


# --- python -m gan_edu train dcgan -----------------------------------------------------------


def test_train_does_not_overwrite_a_run_without_force(tmp_path, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "checkpoint.pt").write_bytes(b"precious")
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "dcgan", "--dry-run", "--out", str(out), "--no-progress"])
    assert exit_info.value.code == 2 and "--force" in capsys.readouterr().err
    assert (out / "checkpoint.pt").read_bytes() == b"precious"


def test_train_offline_download_fails_with_a_clear_message(tmp_path, capsys, monkeypatch):
    import urllib.error
    import urllib.request

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    out = tmp_path / "run"
    code = main(["train", "dcgan", "--dataset", "mnist", "--data-root", str(tmp_path / "cache"), "--device", "cpu",
                 "--out", str(out), "--no-progress"])
    err = capsys.readouterr().err
    assert code == 1 and "internet" in err and "Digits" in err
    assert not out.exists()


def _train(out, *extra):
    return main(["train", "dcgan", "--dataset", "digits", "--steps", "4", "--checkpoint-every", "2",
                 "--sample-every", "2", "--eval-every", "4", "--eval-samples", "100", "--device", "cpu",
                 "--out", str(out), "--no-progress", *extra])


def test_train_writes_grids_metrics_log_and_checkpoint(tmp_path):
    out = tmp_path / "run"
    assert _train(out) == 0
    grids = sorted(p.name for p in (out / "samples").iterdir())
    assert grids == ["final.png", "step_000000.png", "step_000002.png", "step_000004.png"]
    assert (out / "samples" / "final.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2, 3, 4]  # the log period divides the sample period
    assert "fid" not in rows[1] and "fid" in rows[3]  # metrics every --eval-every steps
    assert rows[-1]["fid"] > rows[-1]["fid_floor"] > 0  # an untrained G is far from the data
    assert json.loads((out / "run.json").read_text())["steps"] == 4


def test_train_resume_ends_where_an_uninterrupted_run_ends(tmp_path, monkeypatch):
    import torch

    from gan_edu.train import Trainer

    whole, split = tmp_path / "whole", tmp_path / "split"
    assert _train(whole) == 0

    iteration = Trainer.iteration

    def interrupted(self, d_only=False):
        if self.step == 3:  # after the checkpoint at step 2 and the log row of step 3
            raise KeyboardInterrupt
        iteration(self, d_only)

    monkeypatch.setattr(Trainer, "iteration", interrupted)
    with pytest.raises(KeyboardInterrupt):
        _train(split)
    monkeypatch.setattr(Trainer, "iteration", iteration)
    assert _train(split, "--resume") == 0

    a = torch.load(whole / "checkpoint.pt", weights_only=True)
    b = torch.load(split / "checkpoint.pt", weights_only=True)
    assert a["step"] == b["step"] == 4
    for net in ("G", "D"):
        for key in a["networks"][net]:
            assert torch.equal(a["networks"][net][key], b["networks"][net][key]), (net, key)
    rows = [json.loads(line)["step"] for line in (split / "metrics.jsonl").read_text().splitlines()]
    assert rows == [1, 2, 3, 4]  # the row of step 3, logged after the checkpoint, is not repeated


def test_train_resume_refuses_a_different_run(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train(out) == 0
    before = (out / "checkpoint.pt").read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        _train(out, "--resume", "--seed", "7")
    assert exit_info.value.code == 2 and "--seed" in capsys.readouterr().err
    assert (out / "checkpoint.pt").read_bytes() == before
