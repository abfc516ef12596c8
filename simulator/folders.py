"""Output folders: checked before any computing, written atomically.

A light module (standard library only): the CLI refuses an unwritable or existing folder
before it imports the page stack or runs the model (`outputs` re-exports both functions)."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from simulator.errors import OutputExistsError, Problem

__all__ = ["atomic_files", "atomic_folder", "copy_into", "folder_problems"]


def _exists_error(final: Path) -> OutputExistsError:
    return OutputExistsError([Problem(str(final), None, "", "a new output folder (or "
                                      "--overwrite to replace it)", "it already exists")])


def folder_problems(folder: Path | None, flag: str, *, new: bool = False,
                    overwrite: bool = True) -> list[Problem]:
    """Why `folder` could not be written, checked before any computing: it is a file, it
    exists (`new` without `overwrite`), or the nearest existing folder above it is read-only."""
    if folder is None:
        return []
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        return [Problem(flag, None, "", "a folder", f"{folder} is a file")]
    if new and folder.exists() and not overwrite:
        return list(_exists_error(folder).problems)
    nearest = folder.absolute()
    while not nearest.exists():
        nearest = nearest.parent
    if not nearest.is_dir():
        return [Problem(flag, None, "", "a folder that can be created", f"{nearest} is a file")]
    if not os.access(nearest, os.W_OK | os.X_OK):
        return [Problem(flag, None, "", "a folder you may write to", f"{nearest} is read-only")]
    return []


@contextmanager
def atomic_folder(final: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary sibling folder; rename it to `final` only if the block succeeds.

    Without `overwrite` the rename itself is the check: renaming onto a folder that holds
    anything fails, so of two runs racing to one new folder the second gets "it already
    exists" rather than silently replacing the first. With `overwrite`, an existing folder is
    moved aside first (and retried if another run got there in between), then removed."""
    final = Path(final)
    if final.exists() and not overwrite:
        raise _exists_error(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
        _publish(tmp, final, overwrite)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def _publish(tmp: Path, final: Path, overwrite: bool, attempts: int = 5) -> None:
    for _ in range(attempts):
        try:
            os.rename(tmp, final)  # onto a non-empty folder: ENOTEMPTY / EEXIST
            return
        except OSError as e:
            if e.errno not in (errno.ENOTEMPTY, errno.EEXIST) or not overwrite:
                if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise _exists_error(final) from None
                raise
        old = final.parent / f".{final.name}.old-{uuid.uuid4().hex[:8]}"
        with contextlib.suppress(FileNotFoundError):  # another run may have moved it already
            final.rename(old)
            shutil.rmtree(old)
    raise _exists_error(final)


@contextmanager
def atomic_files(folder: Path, names: Sequence[str]) -> Iterator[dict[str, Path]]:
    """Yield a temporary path in `folder` for each file name (the name's extension kept, for
    writers that go by it); once the block succeeds each is renamed onto its name, replacing
    a file of that name, else every temporary is removed: for files written into a folder that
    holds other things (`clustersim sites --out`), so a failure leaves no half-written file."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    tag = uuid.uuid4().hex[:8]
    tmp = {name: folder / f".tmp-{tag}-{name}" for name in names}
    try:
        yield tmp
        for name, path in tmp.items():
            os.replace(path, folder / name)
    finally:
        for path in tmp.values():
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def copy_into(folder: Path, files: dict[str, Path]) -> None:
    """Copy each file of `files` (name in `folder` → the file to copy) into `folder`, all or
    none (`atomic_files`): `--maps`, the folder that collects the pages of several runs."""
    with atomic_files(folder, list(files)) as tmp:
        for name, source in files.items():
            shutil.copyfile(source, tmp[name])
