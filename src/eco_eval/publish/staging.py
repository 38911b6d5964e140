"""A period folder (``reports/<period>/``) rebuilt beside itself and published with one rename.

A period folder holds the bilan (top-level files), the lever deep dives (``leviers/``) and the
open-data package (``open-data/``). Each part has its own build key and is rebuilt only when its
inputs, parameters or code changed; the folder is published as a whole:

1. :class:`PeriodStage` creates a temporary sibling ``reports/.<period>.<random>/`` and fills it with
   *hard links* to the files of the published folder (a copy where links are not possible), so an
   unchanged part costs nothing and keeps its files (same inode, same mtime);
2. a part that must be rebuilt first calls :meth:`PeriodStage.fresh` on the paths it owns: the
   links are removed, so nothing written afterwards can reach a published file through them;
3. :meth:`PeriodStage.publish` swaps the staged folder with the published one in one
   ``renameat2(RENAME_EXCHANGE)`` on Linux (readers see the old folder or the new one, never none),
   or with two renames elsewhere, then deletes the old folder. Nothing changed: nothing is renamed.

The executed notebooks are not published: they hold the machine's paths (the release's folder
among papermill's parameters) and repeat every figure of the pages. A stage given a
``notebooks_dir`` keeps them beside the store (``data/processed/notebooks/<period>/``, for audit)
in a second stage of the same kind, swapped into place right after the published folder, so that
they always describe the published pages; without it they are written to a scratch folder removed
with the stage.

A failure anywhere before the swap leaves the published folder as it was; the stage is deleted,
and what helps to understand the failure (the partial notebooks) is moved to
``reports/<period>.failed/``. A run killed mid-swap is repaired by the next stage (``.old``).
The caller holds the project lock: a stage assumes nobody else writes the period folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _renameat2() -> object | None:
    with contextlib.suppress(OSError, AttributeError, TypeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        fn = libc.renameat2
        fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
        fn.restype = ctypes.c_int
        return fn
    return None


def exchange(a: Path, b: Path) -> bool:
    """Atomically swap two existing paths (Linux ``RENAME_EXCHANGE``); False when unsupported."""
    fn = _renameat2()
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)  # type: ignore[operator]
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # file system or kernel without RENAME_EXCHANGE: fall back to two renames
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def replace_dir(new: Path, final: Path) -> None:
    """Put the folder ``new`` at ``final`` (replacing it) with renames only; ``new`` disappears."""
    if not final.exists():
        os.replace(new, final)
        return
    if exchange(new, final):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the previous folder
        return
    old = final.with_name(final.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class PeriodStage:
    """The staged copy of ``reports_dir / name``; use as a context manager (see module doc).

    ``notebooks_dir``: where the executed notebooks of the published folder are kept
    (``notebooks_dir / name``, with the same subfolders); None keeps them nowhere.
    """

    def __init__(self, reports_dir: Path, name: str, *, notebooks_dir: Path | None = None):
        self.reports_dir = reports_dir
        self.name = name
        self.final = reports_dir / name
        self.failed_dir = reports_dir / f"{name}.failed"
        self.changed: list[str] = []
        self._failed_reset = False
        self._lock = threading.Lock()
        reports_dir.mkdir(parents=True, exist_ok=True)
        self._repair()
        self.dir = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=reports_dir))
        self.dir.chmod(0o755)  # published reports are readable like any other file of the folder
        if self.final.is_dir():
            shutil.copytree(
                self.final, self.dir, copy_function=_link_or_copy, dirs_exist_ok=True, symlinks=True
            )
        self._notebooks = PeriodStage(notebooks_dir, name) if notebooks_dir is not None else None
        self._scratch: Path | None = None

    def _repair(self) -> None:
        """Undo what a killed run left: a folder moved aside mid-swap, stale stages."""
        old = self.final.with_name(self.final.name + ".old")
        if old.is_dir():
            if self.final.exists():
                shutil.rmtree(old, ignore_errors=True)
            else:
                log.warning("restoring %s from an interrupted publication", self.final)
                os.replace(old, self.final)
        for stale in self.reports_dir.glob(f".{self.name}.*"):
            if stale.is_dir():
                log.info("removing %s, left by an interrupted run", stale)
                shutil.rmtree(stale, ignore_errors=True)

    def path(self, *parts: str) -> Path:
        return self.dir.joinpath(*parts)

    def published(self, *parts: str) -> Path:
        return self.final.joinpath(*parts)

    def fresh(self, *parts: str, files_only: bool = False) -> Path:
        """Remove the staged copy of ``parts`` (a file, a folder, or with ``files_only`` the files
        directly in that folder) before a part rebuilds it; returns the staged path."""
        target = self.path(*parts)
        if files_only:
            target.mkdir(parents=True, exist_ok=True)
            for child in target.iterdir():
                if not child.is_dir():
                    child.unlink()
        elif target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        else:
            target.unlink(missing_ok=True)
        return target

    def notebooks(self, *parts: str, files_only: bool = False) -> Path:
        """A folder, emptied like :meth:`fresh` does, where a part being rebuilt writes its
        executed notebooks (``parts``: the part's subfolder, none for the bilan's top level)."""
        if self._notebooks is not None:
            folder = self._notebooks.fresh(*parts, files_only=files_only)
        else:
            with self._lock:  # the bilan and the deep dives ask from two threads
                if self._scratch is None:
                    self._scratch = Path(tempfile.mkdtemp(prefix=f".{self.name}.notebooks."))
            folder = self._scratch.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def mark_changed(self, part: str) -> None:
        with self._lock:
            self.changed.append(part)

    def keep_failed(self, source: Path, relative: str) -> Path:
        """Move ``source`` (a partial notebook) to ``reports/<name>.failed/<relative>``."""
        with self._lock:
            if not self._failed_reset:
                shutil.rmtree(self.failed_dir, ignore_errors=True)
                self._failed_reset = True
            target = self.failed_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            if source.exists():
                os.replace(source, target)
            return target

    def publish(self) -> bool:
        """Swap the stage into place when a part changed; True when something was published.

        Either way every part is now up to date, so the notebooks of an earlier failure no longer
        describe anything: ``<name>.failed/`` is removed.
        """
        if not self._failed_reset:
            shutil.rmtree(self.failed_dir, ignore_errors=True)
        if not self.changed:
            return False
        replace_dir(self.dir, self.final)
        log.info("published %s (%s)", self.final, ", ".join(self.changed))
        if self._notebooks is not None:
            self._notebooks.changed = list(self.changed)
            self._notebooks.publish()
        return True

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
        if self._notebooks is not None:
            self._notebooks.discard()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

    def __enter__(self) -> PeriodStage:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.discard()
