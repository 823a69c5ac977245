"""gan_edu.files: atomic writes leave the old file or the new one, and no temporary file behind."""

from __future__ import annotations

import os

import pytest

from gan_edu.files import atomic_write, remove_stale_temporaries


def test_successful_write_replaces_the_file_with_exactly_the_new_bytes(tmp_path):
    path = tmp_path / "weights.pt"
    path.write_bytes(b"old contents")
    with atomic_write(path) as handle:
        handle.write(b"new \x00 bytes")
    assert path.read_bytes() == b"new \x00 bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["weights.pt"]


def test_text_mode_writes_utf8(tmp_path):
    path = tmp_path / "card.json"
    with atomic_write(path, "w") as handle:
        handle.write("Fréchet\n")
    assert path.read_bytes() == "Fréchet\n".encode("utf-8")


def test_exception_inside_the_block_leaves_the_old_file_byte_identical_and_no_temporary(tmp_path):
    path = tmp_path / "checkpoint.pt"
    old = bytes(range(256)) * 10
    path.write_bytes(old)
    with pytest.raises(RuntimeError, match="killed mid-write"):
        with atomic_write(path) as handle:
            handle.write(b"half of a new file")
            raise RuntimeError("killed mid-write")
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.pt"]


def test_exception_before_the_first_write_creates_no_file(tmp_path):
    path = tmp_path / "never.pt"
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path):
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_temporary_file_is_hidden_beside_the_target_while_writing(tmp_path):
    path = tmp_path / "grid.png"
    with atomic_write(path) as handle:
        handle.write(b"png")
        (temporary,) = tmp_path.iterdir()
        assert temporary.name.startswith(".grid.png-") and temporary.name.endswith(".tmp")
        assert not path.exists()  # a reader sees nothing until the rename
    assert path.read_bytes() == b"png"


def test_parent_directories_are_created(tmp_path):
    path = tmp_path / "runs" / "ring8" / "ckpt.pt"
    with atomic_write(path) as handle:
        handle.write(b"x")
    assert path.read_bytes() == b"x"


def test_written_file_is_readable_by_others(tmp_path):
    path = tmp_path / "asset.json"
    with atomic_write(path) as handle:
        handle.write(b"{}")
    assert os.stat(path).st_mode & 0o777 == 0o644  # not mkstemp's 0600


def test_unknown_mode_is_refused_naming_it(tmp_path):
    with pytest.raises(ValueError, match="mode.*'ab'"):
        with atomic_write(tmp_path / "f", "ab"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_stale_temporaries_of_the_prefix_are_removed_and_other_files_kept(tmp_path):
    stale = [tmp_path / ".ckpt.pt-a1b2c3d4.tmp", tmp_path / ".ckpt_000100.pt-zz9_x8y7.tmp"]
    kept = [tmp_path / "ckpt.pt", tmp_path / ".other.pt-a1b2c3d4.tmp", tmp_path / "ckpt.pt.tmp",
            tmp_path / ".ckpt.tmp", tmp_path / "notes.txt"]
    for path in stale + kept:
        path.write_bytes(b"x")
    (tmp_path / ".ckpt.pt-dir.tmp").mkdir()  # a directory is never removed
    removed = remove_stale_temporaries(tmp_path, "ckpt")
    assert removed == sorted(stale)
    assert not any(path.exists() for path in stale)
    assert all(path.exists() for path in kept) and (tmp_path / ".ckpt.pt-dir.tmp").is_dir()


def test_leftover_of_a_killed_writer_is_what_remove_stale_temporaries_removes(tmp_path):
    path = tmp_path / "ckpt.pt"
    path.write_bytes(b"good")
    writer = atomic_write(path)
    handle = writer.__enter__()  # a writer that dies before __exit__ runs: its temporary stays
    handle.write(b"partial")
    handle.close()
    (leftover,) = [p for p in tmp_path.iterdir() if p != path]
    assert remove_stale_temporaries(tmp_path, path.name) == [leftover]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"] and path.read_bytes() == b"good"


def test_missing_directory_removes_nothing_and_an_empty_prefix_is_refused(tmp_path):
    assert remove_stale_temporaries(tmp_path / "absent", "ckpt") == []
    with pytest.raises(ValueError, match="prefix"):
        remove_stale_temporaries(tmp_path, "")
