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


def cache_key(state_dir: Path) -> bytes:
    """The platform's own secret for signing what it caches (0600, made on first use):
    a cache edited by someone who cannot read it is not trusted."""
    import secrets

    path = Path(state_dir) / "cache" / "signing.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = secrets.token_bytes(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made meanwhile by another process
        return path.read_bytes()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key


def signature(state_dir: Path, data: bytes) -> str:
    import hashlib
    import hmac

    return hmac.new(cache_key(state_dir), data, hashlib.sha256).hexdigest()


def signed(state_dir: Path, data: bytes, tag: object) -> bool:
    """Was `data` signed with this platform's key (`tag` from the cache)?"""
    import hmac

    if not isinstance(tag, str):
        return False
    try:
        return hmac.compare_digest(signature(state_dir, data), tag)
    except OSError:
        return False
