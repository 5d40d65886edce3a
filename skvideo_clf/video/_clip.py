"""The clip value: which frames of which video (path or in-memory array), augmented how."""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from sklearn.utils._param_validation import Hidden, StrOptions, validate_params


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


def _as_source(video):
    """Normalise a path-like or array to a hashable source (``str`` or InMemoryVideo)."""
    if isinstance(video, InMemoryVideo):
        return video
    if isinstance(video, Clip):
        return video.source
    if isinstance(video, (str, os.PathLike)):
        return os.fspath(video)
    if isinstance(video, np.ndarray) or hasattr(video, "__array__"):
        return InMemoryVideo(video)
    raise TypeError(
        f"A video must be a path, a (n_frames, height, width, 3) uint8 array or a Clip; "
        f"got {type(video).__name__}."
    )


@dataclass(frozen=True)
class Clip:
    """Which frames of which video, with which augmentation: a cheap, frozen value.

    Samplers return clips; featurizers read them. Nothing is decoded until a featurizer
    asks, and the same clip always yields the same frames.

    Parameters
    ----------
    source : str or InMemoryVideo
        The video: a file path or an in-memory video.
    frame_indices : tuple of int or None, default=None
        Frames to read, in order (repeats allowed, as up-sampling produces). ``None`` means
        the featurizer picks frames with its own strategy.
    augmentation : skvideo_clf.augment.Augmentation or None, default=None
        One set of drawn parameters, applied identically to every frame of the clip.

    Examples
    --------
    >>> from skvideo_clf.video import Clip
    >>> clip = Clip("v_Run_g01_c01.avi", frame_indices=(0, 5, 9))
    >>> clip.frame_indices, hash(clip) == hash(Clip("v_Run_g01_c01.avi", (0, 5, 9)))
    ((0, 5, 9), True)
    """

    source: str | InMemoryVideo
    frame_indices: tuple[int, ...] | None = None
    augmentation: object | None = None

    def __post_init__(self):
        object.__setattr__(self, "source", _as_source(self.source))
        if self.frame_indices is not None:
            idx = tuple(int(i) for i in self.frame_indices)
            if not idx:
                raise ValueError(f"Clip of {self.source}: frame_indices is empty.")
            if min(idx) < 0:
                raise ValueError(f"Clip of {self.source}: negative frame index {min(idx)}.")
            object.__setattr__(self, "frame_indices", idx)

    def __len__(self):
        if self.frame_indices is None:
            raise TypeError("A clip without frame_indices has no length until it is read.")
        return len(self.frame_indices)

    def read(self, **read_options) -> Iterator[np.ndarray]:
        """Yield the clip's frames (augmented when the clip carries an augmentation).

        Parameters
        ----------
        **read_options
            ``reader``, ``seek`` and ``threads`` of :func:`~skvideo_clf.video.read_frames`.

        Yields
        ------
        frame : ndarray of shape (height, width, 3), dtype uint8
            The frames at ``frame_indices`` in order (every frame when ``None``).
        """
        # The reader needs the clip's source types, so it is imported here, not at the top.
        from ._reader import read_frames

        frames = read_frames(self.source, self.frame_indices, **read_options)
        if self.augmentation is None:
            yield from frames
        else:
            for frame in frames:
                yield self.augmentation.apply(frame)

    def __repr__(self):
        if self.frame_indices is None:
            idx = "all"
        elif len(self.frame_indices) > 6:
            idx = f"({', '.join(map(str, self.frame_indices[:3]))}, ..., {self.frame_indices[-1]})"
        else:
            idx = str(self.frame_indices)
        aug = "" if self.augmentation is None else f", augmentation={self.augmentation!r}"
        return f"Clip({str(self.source)!r}, frames={idx}{aug})"


#: What a public function accepts as one video; _as_source then normalises it.
_VIDEO = [str, os.PathLike, InMemoryVideo, Clip, "array-like"]


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


@validate_params({"source": _VIDEO, "mode": [StrOptions(set(FINGERPRINT_MODES))]},
                 prefer_skip_nested_validation=True)
def source_fingerprint(source, mode="stat") -> str:
    """Identity of a video's content, for caches and resumable extraction.

    In-memory videos use a digest of their pixels whatever the mode. Files use one of:

    ``"stat"`` (default)
        Absolute path, size and modification time: no reading at all. Limit: a file
        replaced by another of the same size with its mtime restored (``cp -p``,
        ``rsync -t``, ``tar`` do this) keeps its fingerprint.
    ``"sample"``
        Absolute path, size and a digest of the first and last MiB (the whole file when it
        is under 2 MiB): two reads per file. Limit: a change confined to the middle of a
        file larger than 2 MiB, with the size unchanged, goes unseen.
    ``"full"``
        Size and a digest of the whole file (not the path: a moved or copied file keeps
        its identity). Reads every byte once per process; no limit but the cost.

    Parameters
    ----------
    source : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video (a clip stands for its source).
    mode : {"stat", "sample", "full"}, default="stat"
        How a file is identified (above).

    Returns
    -------
    fingerprint : str
        ``"file:<absolute path>:<size>:<mtime_ns>"``, ``"sample:<absolute path>:<size>:
        <digest>"``, ``"full:<size>:<digest>"`` or ``"array:<digest>"``.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    ValueError
        An unknown ``mode``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import source_fingerprint
    >>> video = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    >>> source_fingerprint(video) == source_fingerprint(video.copy())
    True
    >>> source_fingerprint(video).startswith("array:")
    True
    """
    source = _as_source(source)
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


@validate_params({"video": _VIDEO}, prefer_skip_nested_validation=True)
def as_clip(video) -> Clip:
    """A :class:`Clip` from a path, an array, an :class:`InMemoryVideo` or a clip.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video; a clip is returned as it is.

    Returns
    -------
    clip : Clip
        Without frame indices unless ``video`` was a clip that had them.

    Examples
    --------
    >>> from skvideo_clf.video import as_clip
    >>> as_clip("v_Run_g01_c01.avi")
    Clip('v_Run_g01_c01.avi', frames=all)
    """
    if isinstance(video, Clip):
        return video
    return Clip(_as_source(video))


# A single video (path, clip) is let through, hidden from the message, so that the check
# below can say "wrap it in a list" instead of "must be an iterable".
@validate_params(
    {"videos": [Iterable, Hidden(os.PathLike), Hidden(Clip), Hidden(InMemoryVideo)]},
    prefer_skip_nested_validation=True,
)
def as_clips(videos) -> list[Clip]:
    """Clips from a sequence of videos (paths, arrays or clips), validated.

    A single 4-D uint8 array is *one* video, so it is refused here with a hint; pass a list
    of arrays instead.

    Parameters
    ----------
    videos : iterable of videos, or array of shape (n_videos, T, H, W, 3)
        Paths, ``(T, H, W, 3)`` uint8 arrays, :class:`InMemoryVideo` or :class:`Clip`
        values, mixed freely.

    Returns
    -------
    clips : list of Clip
        One per video, in order.

    Raises
    ------
    TypeError
        ``videos`` is a single video, or a numeric array that is not a stack of videos
        (e.g. features).
    ValueError
        ``videos`` is empty.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import Clip, as_clips
    >>> clips = as_clips(["a.avi", np.zeros((2, 8, 8, 3), np.uint8), Clip("b.avi", (0, 1))])
    >>> [type(c.source).__name__ for c in clips]
    ['str', 'InMemoryVideo', 'str']
    """
    if isinstance(videos, (str, os.PathLike, Clip, InMemoryVideo)):
        raise TypeError(
            "Expected a sequence of videos, got a single one; wrap it in a list: [video]."
        )
    if isinstance(videos, np.ndarray) and videos.dtype != object:
        if videos.ndim == 5:  # (n_videos, T, H, W, 3): one array per video
            return [Clip(InMemoryVideo(v)) for v in videos]
        raise TypeError(
            f"Expected a sequence of videos (paths, (T, H, W, 3) arrays or Clips); got a "
            f"{videos.dtype} array of shape {videos.shape}. Feature arrays go to classifiers, "
            "not to video featurizers."
        )
    clips = [as_clip(v) for v in videos]
    if not clips:
        raise ValueError("Expected at least one video, got an empty sequence.")
    return clips
