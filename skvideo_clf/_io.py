"""Atomic file writes, shared by the frame cache, the command line and the reports."""

from __future__ import annotations

import contextlib
import os
import tempfile

__all__ = ["atomic_open"]


@contextlib.contextmanager
def atomic_open(path, mode="wb", **kwargs):
    """Open a temporary file beside ``path`` that replaces ``path`` only once complete.

    The file is written as ``.tmp-*.part`` in the target's folder and renamed with
    :func:`os.replace` when the ``with`` block ends without error (atomic on POSIX and
    Windows); on any error, a ``KeyboardInterrupt`` included, the temporary file is removed
    and ``path`` is left as it was. A process killed mid-write leaves at most a ``.part``
    file, which no reader takes for a result.

    Examples
    --------
    >>> import os, tempfile
    >>> from skvideo_clf._io import atomic_open
    >>> path = os.path.join(tempfile.mkdtemp(), "table.csv")
    >>> with atomic_open(path, "w", encoding="utf-8") as f:
    ...     _ = f.write("a,b\\n")
    >>> open(path).read()
    'a,b\\n'
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part")
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
