"""Fault injection: ``python -m gan_edu train`` killed with SIGKILL resumes bit-identically.

Each case starts a real run in a subprocess and kills it (``SIGKILL``: no handler runs,
nothing is flushed) at a moment chosen by watching its run directory: during training
after a random number of log rows, or while a checkpoint is being written, seen as the
atomic write's temporary file ``.checkpoint.pt-XXXXXXXX.tmp`` (the kill counts only if that
file is still there afterwards, i.e. the write was cut short; otherwise the case tries
again). The same command then finishes the run: with ``--resume`` when a checkpoint exists,
and as it was first given (no ``--force``) when the run died during its very first
checkpoint write. The finished directory must equal that of an uninterrupted run: every
tensor of the checkpoint (networks, Adam's moments, the random generator, the history),
every row of ``metrics.jsonl``, every sample grid and plot, byte for byte, with no
temporary file left.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")]

ROOT = Path(__file__).resolve().parents[1]
STEPS = 6
COMMAND = [sys.executable, "-m", "gan_edu", "train", "dcgan", "--dataset", "digits", "--steps", str(STEPS),
           "--checkpoint-every", "1", "--sample-every", "2", "--eval-every", str(STEPS), "--eval-samples", "100",
           "--device", "cpu", "--no-progress"]
ENV = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
TIMEOUT = 300


def start(out: Path, *extra: str) -> subprocess.Popen:
    return subprocess.Popen([*COMMAND, "--out", str(out), *extra], env=ENV, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def finish(out: Path, *extra: str) -> None:
    proc = subprocess.run([*COMMAND, "--out", str(out), *extra], env=ENV, capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert proc.returncode == 0, proc.stderr


def temporaries(out: Path) -> list[Path]:
    return [p for p in out.rglob(".*") if p.name.endswith(".tmp")]


def log_rows(out: Path) -> int:
    try:
        return (out / "metrics.jsonl").read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_when(proc: subprocess.Popen, ready) -> None:
    """SIGKILL ``proc`` as soon as ``ready()`` holds, polling every ~0.2 ms."""
    deadline = time.monotonic() + TIMEOUT
    while not ready():
        if proc.poll() is not None:
            raise RuntimeError(f"the run ended before the moment to kill it came: {proc.stderr.read()}")
        if time.monotonic() > deadline:
            proc.kill()
            raise TimeoutError("the moment to kill the run never came")
        time.sleep(0.0002)
    proc.send_signal(signal.SIGKILL)
    proc.wait(TIMEOUT)
    proc.stderr.close()


def writing_checkpoint(out: Path) -> bool:
    try:
        return any(name.startswith(".checkpoint.pt-") for name in os.listdir(out))
    except FileNotFoundError:
        return False


def same(a, b, where: str = "checkpoint") -> None:
    """``a`` and ``b`` equal, tensors bit for bit, recursively."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            same(a[key], b[key], f"{where}.{key}")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            same(x, y, f"{where}[{i}]")
    else:
        assert a == b, (where, a, b)


def assert_same_run(out: Path, reference: Path) -> None:
    assert not temporaries(out), temporaries(out)
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert files == sorted(str(p.relative_to(reference)) for p in reference.rglob("*") if p.is_file())
    a = torch.load(out / "checkpoint.pt", weights_only=True)
    b = torch.load(reference / "checkpoint.pt", weights_only=True)
    for state in (a, b):
        state["config"].pop("checkpoint_path")  # the one setting that names the directory
    assert a["step"] == STEPS
    same(a, b)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows == [json.loads(line) for line in (reference / "metrics.jsonl").read_text().splitlines()]
    assert [row["step"] for row in rows] == list(range(1, STEPS + 1))
    for name in files:
        if name != "checkpoint.pt":  # pickled with the directory's path in it: compared above
            assert (out / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "run"
    finish(out)
    return out


def kill_during_a_checkpoint_write(out: Path, first: bool, attempts: int = 8) -> None:
    """Kill a run while it writes a checkpoint (its first one, or a later one) and leave it so."""
    for _ in range(attempts):
        shutil.rmtree(out, ignore_errors=True)
        proc = start(out)
        if first:
            kill_when(proc, lambda: writing_checkpoint(out))
        else:
            kill_when(proc, lambda: log_rows(out) >= 3 and (out / "checkpoint.pt").exists() and writing_checkpoint(out))
        torn = any(p.name.startswith(".checkpoint.pt-") for p in temporaries(out))
        if torn and (out / "checkpoint.pt").exists() != first:
            return
    pytest.fail(f"no kill landed inside a checkpoint write in {attempts} attempts")


def test_a_run_killed_during_its_first_checkpoint_write_restarts_without_force_and_ends_bit_identical(
        tmp_path, reference):
    out = tmp_path / "run"
    kill_during_a_checkpoint_write(out, first=True)
    assert not (out / "checkpoint.pt").exists() and (out / "run.json").exists()
    finish(out)  # the same command again: no --force, no --resume
    assert_same_run(out, reference)


def test_a_run_killed_during_a_checkpoint_write_resumes_bit_identical(tmp_path, reference):
    out = tmp_path / "run"
    kill_during_a_checkpoint_write(out, first=False)
    step = torch.load(out / "checkpoint.pt", weights_only=True)["step"]
    assert 1 <= step < STEPS  # the checkpoint before the torn one is intact
    finish(out, "--resume")
    assert_same_run(out, reference)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_run_killed_at_a_random_moment_of_training_resumes_bit_identical(tmp_path, reference, seed):
    rng = random.Random(seed)
    out = tmp_path / "run"
    rows, delay = rng.randint(0, STEPS - 1), rng.uniform(0.0, 0.15)
    proc = start(out)
    reached: list[float] = []  # when the run had logged `rows` rows

    def ready() -> bool:
        if not reached and log_rows(out) >= rows and (out / "run.json").exists():
            reached.append(time.monotonic())
        return bool(reached) and time.monotonic() - reached[0] >= delay

    kill_when(proc, ready)
    if (out / "checkpoint.pt").exists():
        finish(out, "--resume")
    else:
        finish(out)  # killed before its first checkpoint: started again, without --force
    assert_same_run(out, reference)
