"""Atomic file writes: a reader never sees half a file, a crash never loses the old one."""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from pathlib import Path


def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write to a temporary file in the same directory, fsync, then rename over `path`."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file where a directory should be: say which
        blocking = next(p for p in (path.parent, *path.parent.parents) if p.exists())
        raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(blocking)) from None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:  # name the file meant, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(path)) from exc
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        else:
            os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if exc.filename is None:  # a failed write names no file: name the one meant
            raise OSError(exc.errno, exc.strerror, str(path)) from exc
        raise
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def make_private(*roots: Path) -> None:
    """Directories 0700 and files 0600 under `roots`, whatever the umask made them:
    Terraform's state and saved plans hold secret values."""
    for root in roots:
        if not root.is_dir():
            continue
        for dirpath, _, files in os.walk(root):
            d = Path(dirpath)
            if d.stat().st_mode & 0o077:
                os.chmod(d, 0o700)
            for name in files:
                f = d / name
                with contextlib.suppress(OSError):
                    if f.lstat().st_mode & 0o077 and not f.is_symlink():
                        os.chmod(f, 0o600)
