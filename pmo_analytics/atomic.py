"""Atomic writing: the one way pmo_analytics puts a file or a folder on disk.

Every file the package writes (decision records, the register, workbooks,
imported data, converted schedules) goes through :func:`write_atomic`: the
content is written to a temporary name in the target's folder, flushed to
disk, given the permissions a new file gets under the user's umask
(``0666 & ~umask``, ``0644`` by default: records are meant to be shared,
while :func:`tempfile.mkstemp` creates ``0600``) and then put in place in one
step, so a reader never sees half a file and a failure leaves nothing behind.

Two modes put the file in place:

* ``exclusive=False`` — :func:`os.replace`: the file is replaced whole;
* ``exclusive=True`` — :func:`os.link`: *create, never replace*. The link fails
  with :class:`FileExistsError` when the name exists, atomically, even
  against a concurrent writer (the decision register's entries and a
  template that must not clobber a file rely on it).

A folder is built under a temporary name and published with
:func:`publish_dir`, which never replaces an existing folder.

The umask is read without changing it (:func:`umask`): Linux reports it in
``/proc/self/status``; elsewhere it is read by setting and restoring it
inside a lock, at the moment of writing, never at import.

This module sits on the lowest floor: it imports only the standard library
and :mod:`pmo_analytics.exceptions`, so ``tables`` and ``records`` alike may use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from .exceptions import RecordError

__all__ = ["umask", "write_atomic", "write_text_atomic", "write_json_atomic", "make_dir", "publish_dir",
           "fsync_dir"]

_UMASK_LOCK = threading.Lock()


def umask() -> int:
    """The process umask, read without changing it where the system reports it (Linux ``/proc``).

    Elsewhere it is set and restored at once under a lock (the only portable way
    to read it); it is read at each write, so a umask the user set after import counts.
    """
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def fsync_dir(folder: str | os.PathLike) -> None:
    """Flush a folder's entries to disk (a rename or link is durable only then); silent where unsupported."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def write_atomic(path: str | os.PathLike, content: str | bytes | Callable[[Path], object], *,
                 exclusive: bool = False, encoding: str = "utf-8", mkdir: bool = False) -> Path:
    """Write ``content`` to ``path`` through a temporary file put in place in one step.

    Parameters
    ----------
    path : str or Path
        The file to write.
    content : str, bytes or callable
        Text (encoded with ``encoding``), bytes, or a function that writes the
        file at the temporary path it is given (``workbook.save``,
        ``frame.to_csv``, a converter's writer).
    exclusive : bool
        False: replace ``path`` if it exists. True: create it, never replace it
        (:class:`FileExistsError` if it exists, decided atomically by
        :func:`os.link`).
    encoding : str
        Encoding of text ``content``.
    mkdir : bool
        Create the parent folders first.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    FileExistsError
        with ``exclusive=True`` when ``path`` exists; nothing was written.
    """
    path = Path(path)
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    tmp = Path(name)
    try:
        if callable(content):
            os.close(fd)
            content(tmp)
        else:
            data = content.encode(encoding) if isinstance(content, str) else bytes(content)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~umask())
        if exclusive:
            os.link(tmp, path)  # the commit: atomic, and never replaces a file
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # after a link: the temporary name; after a replace: already gone
    fsync_dir(path.parent)
    return path


def write_text_atomic(path: str | os.PathLike, text: str, *, exclusive: bool = False) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically (see :func:`write_atomic`)."""
    return write_atomic(path, text, exclusive=exclusive)


def write_json_atomic(path: str | os.PathLike, obj, *, exclusive: bool = False) -> Path:
    """Write ``obj`` as pretty, key-sorted JSON, atomically (see :func:`write_atomic`)."""
    return write_atomic(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n", exclusive=exclusive)


def make_dir(parent: str | os.PathLike, prefix: str) -> Path:
    """A new, uniquely named folder in ``parent`` with the permissions of the user's umask.

    :func:`tempfile.mkdtemp` creates ``0700``; a folder that will be published
    (:func:`publish_dir`) gets ``0777 & ~umask`` like any folder the user makes.
    """
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(folder, 0o777 & ~umask())
    return folder


def publish_dir(staging: str | os.PathLike, final: str | os.PathLike, what: str = "folder") -> Path:
    """Rename a finished folder to its final name; never replaces an existing folder.

    An existing *empty* ``final`` is refused too (``os.rename`` would replace
    it silently), so an earlier record is never overwritten. ``what`` names
    the folder in the messages (``"record"``).

    Raises
    ------
    RecordError
        when ``final`` exists or the rename fails.
    """
    staging, final = Path(staging), Path(final)
    if final.exists() or final.is_symlink():
        raise RecordError(f"{what} {final} already exists; it is never overwritten")
    try:
        os.rename(staging, final)
    except OSError as exc:
        raise RecordError(f"cannot publish {what} {final}: {exc}") from exc
    fsync_dir(final.parent)
    return final
