"""What a video is before it is read: a file or an in-memory array, its identity, its errors.

The lowest module of :mod:`skvideo_clf.video`: the decoders, the clip and the frame counts
all build on it, and it builds on nothing of theirs.
"""

from __future__ import annotations

import functools
import hashlib
import os
from functools import cached_property

import numpy as np


class VideoReadError(ValueError):
    """A video could not be read; the message names the file and what is wrong.

    A subclass of :class:`ValueError`, so code that catches bad input in general catches
    it too.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import InMemoryVideo, VideoReadError
    >>> try:
    ...     InMemoryVideo(np.zeros((0, 8, 8, 3), dtype=np.uint8), name="blank")
    ... except VideoReadError as err:
    ...     print(err)
    blank: the video has no frames.
    """


class InMemoryVideo:
    """A ``T x H x W x 3`` uint8 video held in memory, hashable by content.

    Hashing by a digest of the pixels (computed once, lazily) lets in-memory videos serve as
    cache keys and clip sources exactly like paths do.

    Parameters
    ----------
    frames : array-like of shape (n_frames, height, width, 3) or (n_frames, height, width)
        RGB uint8 frames; grayscale frames are repeated over three channels.
    name : str, default=None
        A label used in error messages and reprs.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import InMemoryVideo
    >>> v = InMemoryVideo(np.zeros((4, 8, 8, 3), dtype=np.uint8))
    >>> v.shape, v == InMemoryVideo(np.zeros((4, 8, 8, 3), dtype=np.uint8))
    ((4, 8, 8, 3), True)
    """

    def __init__(self, frames, name=None):
        self.frames = _check_frame_array(frames, name or "in-memory video")
        self.name = name

    @cached_property
    def digest(self) -> str:
        """Hex digest of the frames' shape and pixels (computed once)."""
        h = hashlib.blake2b(digest_size=16)
        h.update(repr(self.frames.shape).encode())
        h.update(np.ascontiguousarray(self.frames).data)
        return h.hexdigest()

    @property
    def shape(self):
        """``(n_frames, height, width, 3)``."""
        return self.frames.shape

    def __len__(self):
        return len(self.frames)

    def __hash__(self):
        return hash(self.digest)

    def __eq__(self, other):
        return isinstance(other, InMemoryVideo) and self.digest == other.digest

    def __getstate__(self):
        # The digest is cheap to recompute and would go stale if frames were swapped.
        return {"frames": self.frames, "name": self.name}

    def __repr__(self):
        label = f"{self.name!r}, " if self.name else ""
        return f"InMemoryVideo({label}shape={self.frames.shape}, digest={self.digest[:8]})"

    def __str__(self):
        return self.name or f"<in-memory video {self.digest[:8]}>"


def _check_frame_array(frames, name):
    frames = np.asarray(frames)
    if frames.dtype != np.uint8:
        raise VideoReadError(
            f"{name}: frames must be uint8 (got dtype {frames.dtype}); convert with "
            "np.clip(x * 255, 0, 255).astype(np.uint8) for [0, 1] floats."
        )
    if frames.ndim == 3:
        frames = np.repeat(frames[..., None], 3, axis=-1)
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise VideoReadError(
            f"{name}: expected frames of shape (n_frames, height, width, 3), got {frames.shape}."
        )
    if frames.shape[0] == 0:
        raise VideoReadError(f"{name}: the video has no frames.")
    if frames.shape[1] == 0 or frames.shape[2] == 0:
        raise VideoReadError(f"{name}: frames have zero size {frames.shape[1:3]}.")
    return frames



#: How :func:`source_fingerprint` identifies a file (see its docstring for each one's limit).
FINGERPRINT_MODES = ("stat", "sample", "full")
_SAMPLE_BYTES = 1 << 20


def _file_digest(path, size, mode):
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        if mode == "full" or size <= 2 * _SAMPLE_BYTES:
            for block in iter(lambda: f.read(1 << 22), b""):
                h.update(block)
        else:
            h.update(f.read(_SAMPLE_BYTES))
            f.seek(size - _SAMPLE_BYTES)
            h.update(f.read(_SAMPLE_BYTES))
    return h.hexdigest()


@functools.lru_cache(maxsize=4096)
def _memo_digest(path, size, mode, mtime_ns, ctime_ns, inode):
    # keyed by the change time and inode too, which no copying tool can restore
    return _file_digest(path, size, mode)



def file_fingerprint(source, mode="stat") -> str:
    """:func:`source_fingerprint` of a normalised source (``str`` path or InMemoryVideo)."""
    if isinstance(source, InMemoryVideo):
        return f"array:{source.digest}"
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise FileNotFoundError(f"Video file not found: {source!r}") from None
    path = os.path.abspath(source)
    if mode == "stat":
        return f"file:{path}:{st.st_size}:{st.st_mtime_ns}"
    digest = _memo_digest(path, st.st_size, mode, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if mode == "sample":
        return f"sample:{path}:{st.st_size}:{digest}"
    return f"full:{st.st_size}:{digest}"
