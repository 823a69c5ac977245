"""Atomic file writes: a reader sees the old file or the new one, never half of one.

Weights, cards, checkpoints, sample grids and downloads are read while they may be
rewritten (a notebook reloading a checkpoint, a second process, a run killed mid-save).
Writing in place would let a reader, or the next run, find a truncated file. So
:func:`atomic_write` writes to a temporary file, flushes it, calls ``fsync`` and only
then renames it onto the target with :func:`os.replace`, which POSIX and Windows
perform atomically *within one file system*. That is why the temporary file lives in
the target's own directory, as a hidden ``.NAME-XXXXXXXX.tmp`` (``NAME`` the target's
file name, ``XXXXXXXX`` random, from :func:`tempfile.mkstemp`): a file under ``/tmp``
could be on another file system, where a rename is a copy.

A writer that raises removes its temporary file and leaves the target untouched. A
writer that is killed (``SIGKILL``, power loss) cannot clean up: its temporary file
stays behind, and :func:`remove_stale_temporaries` removes such leftovers before the
next run writes into the directory.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

__all__ = ["atomic_write", "remove_stale_temporaries", "TEMPORARY_SUFFIX"]

TEMPORARY_SUFFIX = ".tmp"
_MODES = ("wb", "w")
# mkstemp creates files readable by their owner only (0600); the files written here are
# data others read too (package assets, a shared cache), so they get the usual 0644.
_FILE_PERMISSIONS = 0o644


def _path(name: str, value) -> str:
    """``value`` as a ``str`` path, if it is a non-empty ``str`` or ``os.PathLike``; else ValueError naming it."""
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty path (str or os.PathLike), got {value!r}")
    return value


def _temporary_prefix(name: str) -> str:
    return f".{name}-"


@contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb") -> Iterator[IO]:
    """Open a temporary file beside ``path`` for writing; on success rename it onto ``path``.

    ``mode`` is ``"wb"`` (bytes) or ``"w"`` (text, UTF-8). The parent directory is
    created if missing. When the ``with`` block ends normally the file is flushed,
    ``fsync``-ed and moved onto ``path`` with :func:`os.replace`; when it raises, the
    temporary file is removed, the exception propagates and any existing file at
    ``path`` is left byte-identical. ::

        with atomic_write("weights.pt") as handle:
            torch.save(state, handle)
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be one of {_MODES}, got {mode!r}")
    path = Path(_path("path", path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=_temporary_prefix(path.name), suffix=TEMPORARY_SUFFIX)
    try:
        with os.fdopen(fd, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())  # the bytes are on disk before the name points at them
        os.chmod(tmp, _FILE_PERMISSIONS)
        os.replace(tmp, path)  # atomic within one file system: hence the temporary file beside path
    except BaseException:  # KeyboardInterrupt too: no temporary file is left behind
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise


def remove_stale_temporaries(directory: str | os.PathLike, prefix: str) -> list[Path]:
    """Remove the temporary files that killed writers of :func:`atomic_write` left in ``directory``.

    Removes the regular files named ``.{prefix}...-XXXXXXXX.tmp``, i.e. the temporaries
    of every target whose file name starts with ``prefix`` (``prefix="ckpt"`` covers
    ``ckpt.pt`` and ``ckpt_000100.pt``); other files, directories and links are left
    alone. Returns the removed paths, sorted; a missing directory removes nothing.
    Call it when no other process is writing such a target into ``directory``: a live
    writer's temporary file looks the same as a dead one's.
    """
    if not isinstance(prefix, str) or not prefix or os.sep in prefix:
        raise ValueError(f"prefix must be a non-empty file-name prefix, got {prefix!r}")
    directory = Path(_path("directory", directory))
    if not directory.is_dir():
        return []
    start = _temporary_prefix(prefix)[:-1]  # ".{prefix}": the "-" follows the whole target name
    removed = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if (entry.name.startswith(start) and entry.name.endswith(TEMPORARY_SUFFIX)
                    and "-" in entry.name[len(start):] and entry.is_file(follow_symlinks=False)):
                try:
                    os.remove(entry.path)
                except FileNotFoundError:  # removed meanwhile by someone else
                    continue
                removed.append(Path(entry.path))
    return sorted(removed)
