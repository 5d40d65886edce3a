"""The clip value: which frames of which video (path or in-memory array), augmented how."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
from sklearn.utils._param_validation import Hidden, StrOptions, validate_params

from ._decode import stream_frames
from ._source import FINGERPRINT_MODES, InMemoryVideo, file_fingerprint


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
    augmentation : Augmentation, tuple of Augmentation or None, default=None
        How the frames are augmented (:class:`skvideo_clf.augment.Augmentation` values):

        - one augmentation: applied identically to every frame of the clip (per clip);
        - a tuple with one augmentation (or ``None``) per entry of ``frame_indices``: each
          frame gets its own (per frame, as Algorithm 1 of the CNN-ResBiLSTM paper applies
          RandAug to each image). A repeated frame index may carry different
          augmentations at its positions.

    Examples
    --------
    >>> from skvideo_clf.video import Clip
    >>> clip = Clip("v_Run_g01_c01.avi", frame_indices=(0, 5, 9))
    >>> clip.frame_indices, hash(clip) == hash(Clip("v_Run_g01_c01.avi", (0, 5, 9)))
    ((0, 5, 9), True)

    One augmentation per frame:

    >>> from skvideo_clf.augment import Augmentation
    >>> clip = Clip("v_Run_g01_c01.avi", (0, 0), (Augmentation(rotation=5), None))
    >>> clip.augmentation_at(0).rotation, clip.augmentation_at(1)
    (5.0, None)
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
        if isinstance(self.augmentation, (tuple, list)):
            augs = tuple(self.augmentation)
            if self.frame_indices is None or len(augs) != len(self.frame_indices):
                n = "no" if self.frame_indices is None else len(self.frame_indices)
                raise ValueError(
                    f"Clip of {self.source}: {len(augs)} per-frame augmentations for {n} "
                    "frame indices; a per-frame augmentation needs one per frame index.")
            object.__setattr__(self, "augmentation",
                               None if all(a is None for a in augs) else augs)

    @property
    def per_frame_augmentation(self) -> bool:
        """Whether each frame carries its own augmentation (a tuple, one per frame)."""
        return isinstance(self.augmentation, tuple)

    def augmentation_at(self, position: int):
        """The augmentation of the frame at ``position`` of ``frame_indices`` (or None)."""
        if self.per_frame_augmentation:
            return self.augmentation[position]
        return self.augmentation

    def take(self, positions) -> Clip:
        """The clip of the frames at ``positions`` (of ``frame_indices``), each with its
        augmentation."""
        positions = [int(p) for p in positions]
        augs = self.augmentation
        if self.per_frame_augmentation:
            augs = tuple(augs[p] for p in positions)
        return Clip(self.source, tuple(self.frame_indices[p] for p in positions), augs)

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
        frames = stream_frames(self.source, self.frame_indices, **read_options)
        if self.augmentation is None:
            yield from frames
        elif self.per_frame_augmentation:
            for aug, frame in zip(self.augmentation, frames):
                yield frame if aug is None else aug.apply(frame)
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
        if self.augmentation is None:
            aug = ""
        elif self.per_frame_augmentation:
            aug = f", augmentation=<{len(self.augmentation)} per frame>"
        else:
            aug = f", augmentation={self.augmentation!r}"
        return f"Clip({str(self.source)!r}, frames={idx}{aug})"


#: What a public function accepts as one video; _as_source then normalises it.
_VIDEO = [str, os.PathLike, InMemoryVideo, Clip, "array-like"]


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
    return file_fingerprint(_as_source(source), mode)


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
