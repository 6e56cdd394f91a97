"""Reading one input file safely: the boundary's first step, below the readers and the settings.

:func:`read_input_file` returns a file's bytes only when it is a regular file
inside the data folder and not too large; anything else is refused with a
sentence (:class:`InputRefused`) that the caller turns into a
:class:`~pmo_analytics.exceptions.Problem` naming the file.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

__all__ = ["InputRefused", "read_input_file", "sha256_file", "MAX_FILE_BYTES"]

#: Largest input file accepted [bytes]. A PMO portfolio is kilobytes; 100 MB
#: means something is wrong, and we say so rather than exhaust memory.
MAX_FILE_BYTES = 100 * 2**20
_KINDS = {stat.S_IFIFO: "a named pipe (FIFO)", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder", stat.S_IFLNK: "a link"}


class InputRefused(Exception):
    """A file that is not read: its message says why (link out of the folder, FIFO, device, too large)."""


def sha256_file(path: str | Path) -> str:
    """SHA-256 hex digest of a file's bytes (read in blocks)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _size_text(size: int, limit: int) -> str:
    return f"file is {size / 2**20:.0f} MiB, larger than the {limit / 2**20:.0f} MiB limit"


def read_input_file(path: str | Path, root: str | Path | None = None, limit: int | None = None) -> bytes:
    """The bytes of one input file, read only when it is safe to.

    Parameters
    ----------
    path : str or Path
        The file.
    root : str or Path, optional
        The data folder: ``path`` must resolve (links followed) to a file inside it.
    limit : int, optional
        Largest size read [bytes] (default :data:`MAX_FILE_BYTES`).

    Raises
    ------
    InputRefused
        for a link out of ``root``, a broken link, anything but a regular file
        (FIFO, device, socket, folder: inspected with ``stat``, never opened,
        so a FIFO cannot block) or a file over ``limit``.
    """
    path = Path(path)
    limit = MAX_FILE_BYTES if limit is None else limit
    target = path
    if root is not None:
        real, real_root = os.path.realpath(path), os.path.realpath(root)
        try:
            inside = os.path.commonpath([real, real_root]) == real_root
        except ValueError:  # another drive (Windows)
            inside = False
        if not inside:
            raise InputRefused(f"is a link to {real}, outside the data folder: not read")
        target = Path(real)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        raise InputRefused("is a broken link (its target does not exist): not read") from None
    except OSError as exc:  # ELOOP, EACCES, ENAMETOOLONG ...: one sentence, never a raw "[Errno 40]"
        raise InputRefused(_os_reason(exc)) from None
    if not stat.S_ISREG(st.st_mode):
        kind = _KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
        raise InputRefused(f"is {kind}, not a regular file: not read")
    if st.st_size > limit:
        raise InputRefused(_size_text(st.st_size, limit))
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    if root is not None:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags)
    except OSError as exc:
        raise InputRefused(_os_reason(exc)) from None
    try:
        st = os.fstat(fd)  # the file opened is the file inspected (no swap in between)
        if not stat.S_ISREG(st.st_mode):
            raise InputRefused("is not a regular file: not read")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            # read what fstat announced (+1 to notice growth), never a limit-sized buffer up front
            data = fh.read(min(st.st_size, limit) + 1)
            if len(data) > st.st_size:
                chunks = [data]
                while sum(map(len, chunks)) <= limit and (chunk := fh.read(1 << 20)):
                    chunks.append(chunk)
                data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise InputRefused(_size_text(len(data), limit))
    return data


def _os_reason(exc: OSError) -> str:
    """Why a file could not be opened, as a sentence (the user never sees ``[Errno 40]``)."""
    import errno

    reasons = {errno.ELOOP: "is a link that leads back to itself (a loop of symbolic links): not read",
               errno.EACCES: "cannot be read: permission denied",
               errno.EPERM: "cannot be read: operation not permitted",
               errno.ENAMETOOLONG: "has a name or link target that is too long: not read",
               errno.ENOTDIR: "is reached through something that is not a folder: not read"}
    return reasons.get(exc.errno, f"cannot be read: {exc.strerror or exc}")
