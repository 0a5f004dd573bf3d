"""Reading files the graded code could have tampered with, from the harness side (which runs as root).

Everything under the workspace belongs to the sandbox user, so any path there may have been replaced by a
symlink to a host file (``junit.xml -> /etc/shadow``), a FIFO (a read blocks forever) or a device (``/dev/zero``
reads forever). ``read_inside`` walks the path one component at a time with ``O_NOFOLLOW`` from the workspace
directory, so it never leaves the workspace even if a component is swapped while it walks, accepts only a
regular file, and reads at most ``limit`` bytes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

DEFAULT_LIMIT = 16 * 1024 * 1024


class Tampered(Exception):
    """The path is a symlink, a special file, or leads outside the workspace."""


def read_inside(workspace: Path, relative: str, limit: int = DEFAULT_LIMIT) -> bytes | None:
    """The first ``limit`` bytes of ``workspace/relative``; None when it does not exist; ``Tampered`` when it
    is anything but a regular file reached through real directories of the workspace."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise Tampered(f"{relative}: not a path inside the workspace")
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(workspace, flags | os.O_DIRECTORY)
    except FileNotFoundError:
        return None
    try:
        for i, part in enumerate(parts):
            last = i == len(parts) - 1
            try:
                nxt = os.open(part, flags | (os.O_NONBLOCK if last else os.O_DIRECTORY), dir_fd=fd)
            except FileNotFoundError:
                return None
            except OSError as exc:  # ELOOP: a symlink; ENOTDIR: a symlink or file where a directory was
                raise Tampered(f"{relative}: {(exc.strerror or str(exc)).lower()} at {part!r}") from None
            os.close(fd)
            fd = nxt
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Tampered(f"{relative}: not a regular file")
        chunks, left = [], limit
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def read_text_inside(workspace: Path, relative: str, limit: int = DEFAULT_LIMIT) -> str:
    """Text of a workspace file for judging side effects: missing or tampered files read as empty."""
    try:
        data = read_inside(workspace, relative, limit)
    except Tampered:
        return ""
    return "" if data is None else data.decode(errors="replace")
