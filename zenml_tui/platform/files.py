"""Reading a platform's files as the untrusted input they are: only regular files inside
the platform directory, never more than `MAX_FILE_BYTES`, never blocking (a FIFO or a
device named like a layer is refused, not read). Every refusal is a located error."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from zenml_tui.errors import Code, Diagnostic

MAX_FILE_BYTES = 8 * 1024 * 1024  # a layer or platform.yaml; far above any real one

_KIND = {
    stat.S_IFDIR: "a directory",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
}


def _refused(path: Path, code: Code, message: str, hint: str = "") -> Diagnostic:
    return Diagnostic(code, message, str(path), 1, 1, hint=hint)


def exists(path: Path) -> bool:
    """Is there anything at `path` (a dangling or looping link counts: it is refused
    when read, with its reason)."""
    try:
        path.lstat()
    except FileNotFoundError:
        return False
    except OSError:
        return True
    return True


def read_bytes(
    path: Path, root: Path, limit: int = MAX_FILE_BYTES
) -> tuple[bytes | None, Diagnostic | None]:
    """The file's bytes, or (None, a located error). A missing file is (None, None)."""
    try:
        resolved = path.resolve(strict=True)
    except FileNotFoundError:
        if path.is_symlink():
            return None, _refused(path, Code.FILE_KIND, "a link to nothing")
        return None, None
    except (OSError, RuntimeError) as exc:  # RuntimeError: pathlib's symlink loop
        if isinstance(exc, RuntimeError) or getattr(exc, "errno", 0) == errno.ELOOP:
            return None, _refused(path, Code.FILE_KIND, "a symbolic link loop")
        return None, _refused(path, Code.FILE_UNREADABLE, exc.strerror or str(exc))
    if not resolved.is_relative_to(root.resolve()):
        return None, _refused(
            path,
            Code.FILE_KIND,
            "a link that leaves the platform directory",
            "keep the platform's files inside it (links within it are fine)",
        )
    try:
        fd = os.open(resolved, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as exc:
        return None, _refused(path, Code.FILE_UNREADABLE, exc.strerror or str(exc))
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        kind = _KIND.get(stat.S_IFMT(st.st_mode), "not a regular file")
        return None, _refused(path, Code.FILE_KIND, f"not a regular file: {kind}")
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > limit:
            return None, _too_large(path, st.st_size, limit)
        data = fh.read(limit + 1)
    if len(data) > limit:
        return None, _too_large(path, len(data), limit)
    return data, None


def _too_large(path: Path, size: int, limit: int) -> Diagnostic:
    return _refused(
        path,
        Code.FILE_TOO_LARGE,
        f"the file has {size:,} bytes; the limit is {limit:,}",
        "split it into layers, or keep large data out of the platform's configuration",
    )
