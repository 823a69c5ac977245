"""python -m gan_edu: usage errors, no overwriting without --force, a short run writes its files."""

import functools
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
    ["train", "infogan", "--dataset", "mnist", "--out", "x"],  # InfoGAN: digits only
    ["train", "cyclegan", "--dataset", "stacked-digits", "--out", "x"],  # CycleGAN: digits only
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


def _killed_after_step_3(monkeypatch, run) -> None:
    """``run()`` with the training interrupted (KeyboardInterrupt, as by Ctrl-C) when step 3 begins."""
    from gan_edu.train import Trainer

    iteration = Trainer.iteration

    def interrupted(self, d_only=False):
        if self.step == 3:
            raise KeyboardInterrupt
        iteration(self, d_only)

    monkeypatch.setattr(Trainer, "iteration", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run()
    monkeypatch.setattr(Trainer, "iteration", iteration)


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

    whole, split = tmp_path / "whole", tmp_path / "split"
    assert _train(whole) == 0

    _killed_after_step_3(monkeypatch, lambda: _train(split))  # after the checkpoint at step 2 and the row of step 3
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


# --- the command line never destroys or hides work -------------------------------------------


def test_force_removes_the_old_runs_samples_and_files_and_nothing_else(tmp_path):
    out = tmp_path / "run"
    assert main(["train", "dcgan", "--dataset", "digits", "--steps", "4", "--checkpoint-every", "2",
                 "--sample-every", "1", "--eval-every", "4", "--eval-samples", "100", "--device", "cpu",
                 "--out", str(out), "--no-progress"]) == 0
    (out / "notes.txt").write_text("mine")
    (out / "samples" / "best.png").write_bytes(b"mine too")
    assert main(["train", "dcgan", "--dry-run", "--device", "cpu", "--out", str(out), "--no-progress",
                 "--force"]) == 0
    grids = sorted(p.name for p in (out / "samples").iterdir())
    assert grids == ["best.png", "final.png", "step_000000.png", "step_000001.png", "step_000002.png"]
    assert (out / "notes.txt").read_text() == "mine"
    assert json.loads((out / "run.json").read_text())["steps"] == 2
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2]


def _weights(path):
    import torch

    return torch.load(path, weights_only=True)["networks"]


def _same_weights(a, b) -> bool:
    import torch

    return all(torch.equal(a[net][k], b[net][k]) for net in a for k in a[net])


def test_a_run_killed_before_its_first_checkpoint_starts_again_without_force(tmp_path, capsys):
    whole, killed = tmp_path / "whole", tmp_path / "killed"
    assert _train(whole) == 0
    # What SIGKILL during the first checkpoint write leaves: the run's settings, a log row,
    # the first grid and the torn checkpoint's temporary file, no checkpoint.pt.
    (killed / "samples").mkdir(parents=True)
    (killed / "run.json").write_text((whole / "run.json").read_text())
    (killed / "metrics.jsonl").write_text((whole / "metrics.jsonl").read_text().splitlines()[0] + "\n")
    (killed / "samples" / "step_000000.png").write_bytes((whole / "samples" / "step_000000.png").read_bytes())
    (killed / ".checkpoint.pt-1a2b3c4d.tmp").write_bytes(b"half a checkpoint")
    assert _train(killed) == 0  # the same command again: no --force
    assert _same_weights(_weights(killed / "checkpoint.pt"), _weights(whole / "checkpoint.pt"))
    assert not list(killed.rglob("*.tmp"))
    # --resume in that state starts again too, with the settings of run.json.
    (killed / "checkpoint.pt").unlink()
    capsys.readouterr()
    assert _train(killed, "--resume") == 0
    assert "no checkpoint yet: the run starts again from step 0" in capsys.readouterr().out
    assert (killed / "metrics.jsonl").read_text() == (whole / "metrics.jsonl").read_text()


def test_resume_removes_stale_temporaries_and_drops_a_row_torn_by_a_kill(tmp_path, monkeypatch):

    out = tmp_path / "run"
    _killed_after_step_3(monkeypatch, lambda: _train(out))
    stale = [out / ".checkpoint.pt-0badf00d.tmp", out / "samples" / ".step_000004.png-12345678.tmp",
             out / ".metrics.jsonl-abcdef12.tmp"]
    for path in stale:
        path.write_bytes(b"left by a killed write")
    with open(out / "metrics.jsonl", "a") as f:
        f.write('{"step": 4, "d_lo')  # a row cut short: no newline, not JSON
    (out / "notes.txt").write_text("kept")
    assert _train(out, "--resume") == 0
    assert not any(path.exists() for path in stale)
    assert (out / "notes.txt").read_text() == "kept"
    assert [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()] == [1, 2, 3, 4]


def test_toy_reports_an_unwritable_out_before_training(tmp_path, monkeypatch, capsys):
    import gan_edu.recipes

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking --out")

    monkeypatch.setattr(gan_edu.recipes, "train_toy", no_training)
    (tmp_path / "file").write_text("")
    with pytest.raises(SystemExit) as exit_info:
        main(["toy", "ring8", "--out", str(tmp_path / "file" / "run"), "--no-progress"])
    assert exit_info.value.code == 2 and "is a file" in capsys.readouterr().err
    if os.path.isdir("/proc") and sys.platform.startswith("linux"):  # writable to os.access as root, yet no mkdir
        assert main(["toy", "ring8", "--out", "/proc/gan_edu_run", "--no-progress"]) == 2
        err = capsys.readouterr().err.strip()
        assert err.startswith("python -m gan_edu toy: error: --out '/proc/gan_edu_run' cannot be written")
        assert len(err.splitlines()) == 1


def test_train_reports_an_unwritable_out_before_training(tmp_path, monkeypatch, capsys):
    from gan_edu.train import Trainer

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking --out")

    monkeypatch.setattr(Trainer, "fit", no_training)
    if not (os.path.isdir("/proc") and sys.platform.startswith("linux")):
        pytest.skip("needs a directory that os.access calls writable but that refuses mkdir")
    assert main(["train", "dcgan", "--dry-run", "--device", "cpu", "--out", "/proc/gan_edu_run", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("python -m gan_edu train: error: --out '/proc/gan_edu_run' cannot be written")


# --- python -m gan_edu train infogan -----------------------------------------------------------

def _train_short(out, *extra, model):
    """A 4-step ``train MODEL`` run into ``out``: checkpoints every 2, evaluation at the end."""
    return main(["train", model, "--steps", "4", "--checkpoint-every", "2", "--sample-every", "2",
                 "--eval-every", "4", "--eval-samples", "100", "--device", "cpu", "--out", str(out),
                 "--no-progress", *extra])


def _assert_killed_and_resumed_run_is_the_whole_run(monkeypatch, train, whole, split, networks):
    """``train(split)`` killed after step 3, then ``--resume``d: the same 4-step checkpoint as ``whole``'s
    (every tensor of ``networks``) and the same rows in the log."""
    import torch

    _killed_after_step_3(monkeypatch, lambda: train(split))
    assert train(split, "--resume") == 0
    a = torch.load(whole / "checkpoint.pt", weights_only=True)
    b = torch.load(split / "checkpoint.pt", weights_only=True)
    assert a["step"] == b["step"] == 4 and set(a["networks"]) == networks
    for net in a["networks"]:
        for key in a["networks"][net]:
            assert torch.equal(a["networks"][net][key], b["networks"][net][key]), (net, key)
    rows = [json.loads(line)["step"] for line in (split / "metrics.jsonl").read_text().splitlines()]
    assert rows == [1, 2, 3, 4]


_train_infogan = functools.partial(_train_short, model="infogan")


def test_train_infogan_writes_code_grids_metrics_and_resumes_where_a_whole_run_ends(tmp_path, monkeypatch):
    from matplotlib.image import imread

    whole, split = tmp_path / "whole", tmp_path / "split"
    assert _train_infogan(whole) == 0
    grid = imread(whole / "samples" / "final.png")
    assert grid.shape[:2] == (2 * (10 * 9 + 1), 2 * (8 * 9 + 1))  # 10 code rows x 8 noise columns of 8 px + 1
    rows = [json.loads(line) for line in (whole / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2, 3, 4] and "mi_categorical" in rows[0]
    assert 0.1 <= rows[-1]["code_accuracy"] <= 1 and rows[-1]["fid"] > rows[-1]["fid_floor"]
    assert json.loads((whole / "run.json").read_text())["model"] == "infogan"

    _assert_killed_and_resumed_run_is_the_whole_run(monkeypatch, _train_infogan, whole, split, {"G", "D", "Q"})


@pytest.mark.parametrize("model, other", [("infogan", "dcgan"), ("cyclegan", "infogan")])
def test_train_resume_refuses_another_model(tmp_path, capsys, model, other):
    out = tmp_path / "run"
    assert _train_short(out, model=model) == 0
    before = (out / "checkpoint.pt").read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        _train_short(out, "--resume", model=other)
    assert exit_info.value.code == 2 and f"model {other} differs from the run's {model}" in capsys.readouterr().err
    assert (out / "checkpoint.pt").read_bytes() == before


# --- python -m gan_edu train cyclegan ----------------------------------------------------------

_train_cyclegan = functools.partial(_train_short, model="cyclegan")


def test_train_cyclegan_logs_the_librarys_metrics_and_resumes_where_a_whole_run_ends(tmp_path, monkeypatch):
    from matplotlib.image import imread

    from gan_edu.recipes import train_cyclegan
    from gan_edu.recipes.cyclegan import held_out_digits

    whole, split = tmp_path / "whole", tmp_path / "split"
    assert _train_cyclegan(whole) == 0
    grid = imread(whole / "samples" / "final.png")
    assert grid.shape[:2] == (2 * (3 * 9 + 1), 2 * (8 * 9 + 1))  # rows a, G(a), F(G(a)) x 8 digits of 8 px + 1
    rows = [json.loads(line) for line in (whole / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == [1, 2, 3, 4] and "cycle" in rows[0] and "fid" not in rows[-1]
    # The same run in this process (bit-identical on a CPU): the log holds what the library measures.
    result = train_cyclegan(seed=0, steps=4, device="cpu")
    images, labels = held_out_digits()
    expected = {"cycle_error": result.cycle_error(images[:100]),
                "translation_error": result.translation_error(images[:100]),
                "label_preservation": result.label_preservation(images[:100], labels[:100])}
    for name, value in expected.items():
        assert rows[-1][f"{name}_a2b"] == round(value.a2b, 4) and rows[-1][f"{name}_b2a"] == round(value.b2a, 4)
    assert rows[-1]["hidden_information"] == result.hidden_information(images=images[:100], labels=labels[:100]).count
    assert json.loads((whole / "run.json").read_text())["model"] == "cyclegan"

    _assert_killed_and_resumed_run_is_the_whole_run(monkeypatch, _train_cyclegan, whole, split,
                                                    {"G_ab", "G_ba", "D_a", "D_b"})


def test_train_cyclegan_generator_is_recorded_refused_for_other_models_and_kept_on_resume(tmp_path, capsys):
    out = tmp_path / "run"
    assert _train_cyclegan(out, "--generator", "symmetry") == 0
    assert json.loads((out / "run.json").read_text())["generator"] == "symmetry"
    import torch
    state = torch.load(out / "checkpoint.pt", weights_only=True)["networks"]["G_ab"]
    assert set(state) == {"logits"}  # the SymmetryTranslator, not the encoder-decoder
    before = (out / "checkpoint.pt").read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        _train_cyclegan(out, "--resume", "--generator", "translator")
    assert exit_info.value.code == 2 and "--generator translator differs from the run's --generator symmetry" \
        in capsys.readouterr().err
    assert (out / "checkpoint.pt").read_bytes() == before
    with pytest.raises(SystemExit) as exit_info:
        _train_cyclegan(tmp_path / "dc", "--generator", "symmetry", model="infogan")
    assert exit_info.value.code == 2 and "--generator: only train cyclegan" in capsys.readouterr().err
    assert not (tmp_path / "dc").exists()


# --- --tensorboard ------------------------------------------------------------------------------

def _events(folder):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(folder), size_guidance={"scalars": 0, "images": 0})
    events.Reload()
    return events


def test_train_tensorboard_logs_every_scalar_of_the_metrics_log_and_the_grids(tmp_path, monkeypatch):
    pytest.importorskip("tensorboard")

    out = tmp_path / "run"
    assert _train(out, "--tensorboard") == 0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    events = _events(out / "tensorboard")
    for key in ("d_loss", "g_loss", "d_real", "d_fake", "fid"):
        logged = {e.step: e.value for e in events.Scalars(key)}
        expected = {row["step"]: row[key] for row in rows if key in row}
        assert logged.keys() == expected.keys() and all(logged[s] == pytest.approx(v, rel=1e-6)
                                                        for s, v in expected.items()), key
    grids = events.Images("samples")
    assert [g.step for g in grids] == [0, 2, 4] and (grids[0].width, grids[0].height) == (8 * 17 + 1, 8 * 17 + 1)

    # a kill after step 3, then --resume: the events after the checkpoint (step 2) are redone, not doubled
    split = tmp_path / "split"
    _killed_after_step_3(monkeypatch, lambda: _train(split, "--tensorboard"))
    assert _train(split, "--resume", "--tensorboard") == 0
    assert [e.step for e in _events(split / "tensorboard").Scalars("d_loss")] == [1, 2, 3, 4]


def test_train_tensorboard_without_the_package_is_a_usage_error(tmp_path, monkeypatch, capsys):
    import builtins

    real_import = builtins.__import__

    def no_tensorboard(name, *args, **kwargs):
        if name == "torch.utils.tensorboard":
            raise ImportError("No module named 'tensorboard'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tensorboard)
    with pytest.raises(SystemExit) as exit_info:
        _train(tmp_path / "run", "--tensorboard")
    assert exit_info.value.code == 2 and "pip install tensorboard" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()  # refused before anything was written
