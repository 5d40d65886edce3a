"""Atomic file writes: every file the library writes goes through here.

Cache entries, model files, extracted features, reports, figures and videos are written
under a temporary name in the target's folder and renamed into place only once complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile

__all__ = ["atomic_open", "atomic_path", "atomic_write_text"]


def _current_umask():
    # os.umask can only be read by setting it; set it back at once.
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(path, *, suffix=None):
    """A temporary path beside ``path`` that replaces ``path`` only once complete.

    For writers that need a file name rather than a file object (OpenCV's
    ``VideoWriter``, ``numpy.savez``). The temporary file is named ``.tmp-*.part`` plus
    ``suffix`` (default: ``path``'s extension, which some writers read to pick a format),
    created with the permissions the umask gives (``tempfile`` alone would make it 0600,
    so a cache shared by users or worker processes would be unreadable to the others), and
    renamed with :func:`os.replace` when the ``with`` block ends without error (atomic on
    POSIX and Windows). On any error, ``KeyboardInterrupt`` included, it is removed and
    ``path`` is left as it was; a process killed mid-write leaves at most a ``.part`` file.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write; its folder is created when missing.
    suffix : str, optional
        Ending of the temporary name; defaults to ``path``'s extension.

    Yields
    ------
    tmp : str
        The temporary path to write to.

    Examples
    --------
    >>> import os, tempfile
    >>> from skvideo_clf.utils import atomic_path
    >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> with atomic_path(path) as tmp:
    ...     _ = open(tmp, "w").write("done")
    >>> open(path).read()
    'done'
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if suffix is None:
        suffix = os.path.splitext(path)[1]
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".part" + suffix)
    os.close(fd)
    try:
        os.chmod(tmp, 0o666 & ~_current_umask())
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path, mode="wb", **kwargs):
    """Open a temporary file beside ``path`` that replaces ``path`` only once complete.

    See :func:`atomic_path` for where the file is written and what an error leaves.

    Parameters
    ----------
    path : str or os.PathLike
        The file to write.
    mode : str, default="wb"
        A writing mode of :func:`open`.
    **kwargs
        Passed to :func:`open` (``encoding``, ``newline``).

    Yields
    ------
    file : file object

    Examples
    --------
    >>> import os, tempfile
    >>> from skvideo_clf.utils import atomic_open
    >>> path = os.path.join(tempfile.mkdtemp(), "table.csv")
    >>> with atomic_open(path, "w", encoding="utf-8") as f:
    ...     _ = f.write("a,b\\n")
    >>> open(path).read()
    'a,b\\n'
    """
    with atomic_path(path, suffix="") as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def atomic_write_text(path, text):
    """Write ``text`` (UTF-8, newlines as given) to ``path`` atomically.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "r.md")
    >>> atomic_write_text(path, "# Report\\n")
    >>> open(path).read()
    '# Report\\n'
    """
    with atomic_open(path, "w", encoding="utf-8", newline="") as f:
        f.write(text)
