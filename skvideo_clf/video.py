"""Videos as values: the clip, the streaming OpenCV reader and frame-index strategies.

A *video* reaches the library as a path, an in-memory ``T x H x W x 3`` uint8 array, or a
:class:`Clip` (a source plus the frames to take and an optional augmentation). Nothing in
this module decodes more than the frames that are asked for, and nothing holds a whole
video in memory.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from numbers import Integral

import cv2
import numpy as np
from sklearn.utils import check_random_state

from .utils import atomic_path

__all__ = [
    "VIDEO_EXTENSIONS",
    "Clip",
    "InMemoryVideo",
    "VideoInfo",
    "VideoReadError",
    "as_clip",
    "as_clips",
    "block_indices",
    "count_frames",
    "fps_indices",
    "rand_down_indices",
    "rand_down_or_up_sample",
    "read_frames",
    "read_video",
    "sample_frame_indices",
    "source_fingerprint",
    "uniform_indices",
    "up_sample_indices",
    "video_info",
    "write_video",
]

#: File extensions that :func:`skvideo_clf.datasets.load_video_folder` treats as videos.
VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v", ".wmv")


class VideoReadError(ValueError):
    """A video could not be read; the message names the file and what is wrong."""


# --------------------------------------------------------------------------------------
# Sources
# --------------------------------------------------------------------------------------


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
        h = hashlib.blake2b(digest_size=16)
        h.update(repr(self.frames.shape).encode())
        h.update(np.ascontiguousarray(self.frames).data)
        return h.hexdigest()

    @property
    def shape(self):
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


def source_fingerprint(source) -> str:
    """Identity of a video's content that changes whenever the content changes.

    Paths use the absolute path, size and modification time (no decoding, no hashing of
    the file); in-memory videos use a digest of their pixels.
    """
    source = _as_source(source)
    if isinstance(source, InMemoryVideo):
        return f"array:{source.digest}"
    try:
        st = os.stat(source)
    except FileNotFoundError:
        raise FileNotFoundError(f"Video file not found: {source!r}") from None
    return f"file:{os.path.abspath(source)}:{st.st_size}:{st.st_mtime_ns}"


# --------------------------------------------------------------------------------------
# The clip value
# --------------------------------------------------------------------------------------


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

    def read(self) -> Iterator[np.ndarray]:
        """Yield the clip's frames (augmented when the clip carries an augmentation)."""
        frames = read_frames(self.source, self.frame_indices)
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


def as_clip(video) -> Clip:
    """A :class:`Clip` from a path, an array, an :class:`InMemoryVideo` or a clip."""
    if isinstance(video, Clip):
        return video
    return Clip(_as_source(video))


def as_clips(videos) -> list[Clip]:
    """Clips from a sequence of videos (paths, arrays or clips), validated.

    A single 4-D uint8 array is *one* video, so it is refused here with a hint; pass a list
    of arrays instead.
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


# --------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds: decodable frame count, frame rate and frame size."""

    n_frames: int
    fps: float
    height: int
    width: int
    declared_frames: int


def _open(path) -> cv2.VideoCapture:
    if not os.path.exists(path):
        raise FileNotFoundError(f"Video file not found: {path!r}")
    if os.path.isdir(path):
        raise VideoReadError(f"{path!r} is a directory, not a video file.")
    if os.path.getsize(path) == 0:
        raise VideoReadError(f"{path!r} is an empty (zero-byte) file, not a video.")
    cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        cap.release()
        raise VideoReadError(
            f"{path!r} could not be opened as a video: it is not a video, is corrupt, or "
            "uses a codec this OpenCV build cannot decode (try re-encoding it, e.g. "
            "`ffmpeg -i in -c:v libx264 out.mp4`)."
        )
    return cap


_INFO_CACHE: dict[str, VideoInfo] = {}


def video_info(video) -> VideoInfo:
    """Frame count *as actually decodable*, fps and size of a video.

    OpenCV's ``CAP_PROP_FRAME_COUNT`` comes from the container header and can be wrong
    (truncated files, variable frame rate, broken indexes), so the count here is obtained
    by grabbing every frame once. Results are cached per file identity (path, size, mtime),
    so a file is counted once per process.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import video_info
    >>> video_info(np.zeros((7, 4, 6, 3), dtype=np.uint8)).n_frames
    7
    """
    source = _as_source(video)
    if isinstance(source, InMemoryVideo):
        t, h, w, _ = source.shape
        return VideoInfo(t, float("nan"), h, w, t)
    key = source_fingerprint(source)
    info = _INFO_CACHE.get(key)
    if info is not None:
        return info
    cap = _open(source)
    try:
        declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0) or float("nan")
        n = 0
        h = w = 0
        ok, frame = cap.read()
        if ok:
            h, w = frame.shape[:2]
            n = 1
            while cap.grab():
                n += 1
    finally:
        cap.release()
    if n == 0:
        raise VideoReadError(f"{source!r} has no decodable frames (empty or corrupt video).")
    info = VideoInfo(n, fps, h, w, declared)
    _INFO_CACHE[key] = info
    return info


def count_frames(video) -> int:
    """Number of frames that actually decode (see :func:`video_info`)."""
    return video_info(video).n_frames


def read_frames(video, indices: Sequence[int] | None = None) -> Iterator[np.ndarray]:
    """Stream the requested frames of a video as RGB uint8 ``H x W x 3`` arrays.

    Frames are decoded one at a time and only the requested ones are converted and kept:
    for non-decreasing ``indices`` (the usual case, repeats included) at most one frame is
    held; for unordered indices only the distinct requested frames are.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video. A clip's own frame indices are ignored here; use ``Clip.read``.
    indices : sequence of int, default=None
        Frames to yield, in this order. ``None`` yields every frame.

    Yields
    ------
    frame : ndarray of shape (height, width, 3), dtype uint8

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    VideoReadError
        The file is not a decodable video, or a requested frame lies beyond the last
        decodable frame (a truncated video); the message names the file.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import read_frames
    >>> video = np.arange(5, dtype=np.uint8)[:, None, None, None] * np.ones((5, 2, 2, 3), np.uint8)
    >>> [int(f[0, 0, 0]) for f in read_frames(video, [4, 0, 0])]
    [4, 0, 0]
    """
    source = _as_source(video)
    if indices is not None:
        indices = [int(i) for i in indices]
        if indices and min(indices) < 0:
            raise ValueError(f"{source}: negative frame index {min(indices)} requested.")
    if isinstance(source, InMemoryVideo):
        return _read_array(source, indices)
    return _read_file(source, indices)


def _read_array(source: InMemoryVideo, indices):
    frames = source.frames
    if indices is None:
        yield from frames
        return
    if indices and max(indices) >= len(frames):
        raise VideoReadError(
            f"{source}: frame {max(indices)} requested but the video has {len(frames)} frames."
        )
    for i in indices:
        yield frames[i]


def _read_file(path, indices):
    cap = _open(path)
    try:
        if indices is None:
            n = 0
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                n += 1
                yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            if n == 0:
                raise VideoReadError(f"{path!r} has no decodable frames (empty or corrupt video).")
            return
        if not indices:
            return
        ordered = all(a <= b for a, b in zip(indices, indices[1:]))
        wanted = set(indices)
        last = max(indices)
        kept: dict[int, np.ndarray] = {}
        pos = 0  # index of the next frame the decoder will return
        out_i = 0
        while pos <= last:
            if pos in wanted:
                ok, frame = cap.read()
                if not ok:
                    break
                rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
                if ordered:
                    while out_i < len(indices) and indices[out_i] == pos:
                        yield rgb
                        out_i += 1
                else:
                    kept[pos] = rgb
            elif not cap.grab():  # skip without the colour conversion
                break
            pos += 1
        if pos <= last:
            raise VideoReadError(
                f"{path!r}: frame {last} requested but only {pos} frames decode (the file is "
                "truncated or its header overstates the frame count)."
            )
        if not ordered:
            for i in indices:
                yield kept[i]
    finally:
        cap.release()


def read_video(video, indices=None) -> np.ndarray:
    """All requested frames as one ``(n, H, W, 3)`` uint8 array (for small videos only)."""
    frames = list(read_frames(video, indices))
    if not frames:
        raise VideoReadError(f"{_as_source(video)}: no frames were read.")
    return np.stack(frames)


def write_video(path, frames: Iterable[np.ndarray], fps: float = 25.0, fourcc: str = "MJPG"):
    """Write RGB uint8 frames to ``path`` with OpenCV (MJPG in AVI by default).

    The file is written under a temporary name and renamed when complete, so an
    interrupted write never leaves a half-written video behind under ``path``.
    """
    path = os.fspath(path)
    with atomic_path(path) as tmp:
        writer = None
        try:
            for frame in frames:
                frame = np.asarray(frame)
                if frame.ndim == 2:
                    frame = np.repeat(frame[..., None], 3, axis=-1)
                if writer is None:
                    h, w = frame.shape[:2]
                    if min(h, w) < 8:
                        # OpenCV's MJPG encoder corrupts the heap on frames this small
                        # (the process dies with "free(): invalid next size").
                        raise ValueError(
                            f"Frames must be at least 8x8 to write {path!r}, got {h}x{w}."
                        )
                    writer = cv2.VideoWriter(tmp, cv2.VideoWriter_fourcc(*fourcc), fps, (w, h))
                    if not writer.isOpened():
                        raise VideoReadError(f"OpenCV cannot write {fourcc} video to {path!r}.")
                writer.write(cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2BGR))
            if writer is None:
                raise ValueError(f"No frames to write to {path!r}.")
        finally:
            if writer is not None:
                writer.release()
    return path


# --------------------------------------------------------------------------------------
# Frame-index strategies (small pure functions over a frame count)
# --------------------------------------------------------------------------------------


def _check_count(n_frames, name="n_frames"):
    if not isinstance(n_frames, Integral) or n_frames < 1:
        raise ValueError(f"{name} must be a positive integer, got {n_frames!r}.")
    return int(n_frames)


def uniform_indices(n_frames: int, n: int) -> np.ndarray:
    """``n`` frame indices spread evenly from the first to the last frame.

    With ``n > n_frames`` frames repeat in order (a smooth up-sampling).

    >>> uniform_indices(10, 4).tolist()
    [0, 3, 6, 9]
    """
    n_frames, n = _check_count(n_frames), _check_count(n, "n")
    return np.round(np.linspace(0, n_frames - 1, n)).astype(np.intp)


def block_indices(n_frames: int, take: int = 8, every: int = 25) -> np.ndarray:
    """``take`` evenly spaced frames out of every block of ``every`` frames.

    Seed 002 samples 8 frames out of every 25 (8 per second of 25-FPS UCF101 video). A
    trailing partial block contributes its proportional share (at least one frame).

    >>> block_indices(50, take=8, every=25).tolist()[:8]
    [0, 3, 7, 10, 14, 17, 21, 24]
    """
    n_frames = _check_count(n_frames)
    take, every = _check_count(take, "take"), _check_count(every, "every")
    if take > every:
        raise ValueError(f"take={take} cannot exceed every={every}.")
    out = []
    for start in range(0, n_frames, every):
        size = min(every, n_frames - start)
        k = max(1, round(take * size / every))
        out.append(start + np.round(np.linspace(0, size - 1, k)).astype(np.intp))
    return np.unique(np.concatenate(out))


def fps_indices(n_frames: int, video_fps: float, target_fps: float = 1.0,
                max_frames: int | None = 360) -> np.ndarray:
    """One frame per ``1 / target_fps`` seconds, capped at ``max_frames`` (seed 003).

    Seed 003 down-samples YouTube-8M videos to 1 FPS and keeps up to the first 360 frames.

    >>> fps_indices(100, video_fps=25, target_fps=1).tolist()
    [0, 25, 50, 75]
    """
    n_frames = _check_count(n_frames)
    if not (video_fps > 0 and math.isfinite(video_fps)):
        raise ValueError(f"video_fps must be a positive number, got {video_fps!r}.")
    if not target_fps > 0:
        raise ValueError(f"target_fps must be positive, got {target_fps!r}.")
    step = video_fps / target_fps
    idx = np.floor(np.arange(0, n_frames, step) + 1e-9).astype(np.intp)
    idx = idx[idx < n_frames]
    if max_frames is not None:
        idx = idx[:max_frames]
    return idx


def rand_down_indices(n_frames: int, alpha: int, random_state=None) -> np.ndarray:
    """RandDown of seed 000, Algorithm 1: one random frame inside each of ``alpha`` windows.

    ``skip = n_frames / alpha``; window ``i`` covers frames ``[floor(i*skip),
    floor((i+1)*skip))``, and one frame is drawn uniformly inside each. With an integer
    ``skip`` these are exactly the paper's windows (alpha=5, 25 frames: skip 5, one random
    frame out of each 5); otherwise the windows differ in size by at most one frame and
    still cover every frame.

    >>> idx = rand_down_indices(25, alpha=5, random_state=0)
    >>> [int(i) // 5 for i in idx]
    [0, 1, 2, 3, 4]
    """
    n_frames, alpha = _check_count(n_frames), _check_count(alpha, "alpha")
    if n_frames < alpha:
        raise ValueError(
            f"rand_down needs at least alpha={alpha} frames, got {n_frames}; use "
            "up_sample_indices for shorter videos."
        )
    rng = check_random_state(random_state)
    bounds = np.floor(np.arange(alpha + 1) * (n_frames / alpha)).astype(np.intp)
    bounds[-1] = n_frames
    return bounds[:-1] + np.floor(rng.random_sample(alpha) * np.diff(bounds)).astype(np.intp)


def up_sample_indices(n_frames: int, alpha: int) -> np.ndarray:
    """UpSample of seed 000: stretch a video shorter than ``alpha`` to ``alpha`` frames.

    Each frame is repeated in order (nearest-neighbour in time,
    ``floor(i * n_frames / alpha)``), so every frame appears and the order is kept.

    >>> up_sample_indices(3, alpha=7).tolist()
    [0, 0, 0, 1, 1, 2, 2]
    """
    n_frames, alpha = _check_count(n_frames), _check_count(alpha, "alpha")
    return np.floor(np.arange(alpha) * (n_frames / alpha)).astype(np.intp)


def rand_down_or_up_sample(n_frames: int, alpha: int, random_state=None) -> np.ndarray:
    """Algorithm 1's choice: RandDown when the video has more than ``alpha`` frames, else
    UpSample (a video of exactly ``alpha`` frames keeps every frame)."""
    if n_frames > alpha:
        return rand_down_indices(n_frames, alpha, random_state)
    return up_sample_indices(n_frames, alpha)


#: Strategies accepted by :func:`sample_frame_indices`.
FRAME_STRATEGIES = ("uniform", "block", "fps", "rand_down", "all")


def sample_frame_indices(n_frames: int, strategy: str = "uniform", sequence_length=None, *,
                         video_fps=float("nan"), take=8, every=25, target_fps=1.0,
                         max_frames=360, random_state=None) -> np.ndarray:
    """Frame indices for one video under a named strategy.

    Parameters
    ----------
    n_frames : int
        Decodable frames in the video.
    strategy : {"uniform", "block", "fps", "rand_down", "all"}, default="uniform"
        ``"uniform"``: ``sequence_length`` evenly spaced frames (repeats when the video is
        shorter); ``"block"``: ``take`` of every ``every`` frames (seed 002);
        ``"fps"``: ``target_fps`` frames per second up to ``max_frames`` (seed 003);
        ``"rand_down"``: seed 000's RandDown / UpSample to ``sequence_length``;
        ``"all"``: every frame.
    sequence_length : int or None
        Required by ``"uniform"`` and ``"rand_down"``; the other strategies ignore it (a
        featurizer pads or truncates their output to its own ``sequence_length``).

    Returns
    -------
    indices : ndarray of int
    """
    if strategy in ("uniform", "rand_down") and sequence_length is None:
        raise ValueError(f"strategy={strategy!r} needs an integer sequence_length, got None.")
    if strategy == "uniform":
        return uniform_indices(n_frames, sequence_length)
    if strategy == "rand_down":
        return rand_down_or_up_sample(n_frames, sequence_length, random_state)
    if strategy == "block":
        return block_indices(n_frames, take, every)
    if strategy == "fps":
        if not (video_fps > 0):
            raise ValueError(
                "strategy='fps' needs the video's frame rate; in-memory arrays have none "
                "(use strategy='uniform' or 'block' for them)."
            )
        return fps_indices(n_frames, video_fps, target_fps, max_frames)
    if strategy == "all":
        return np.arange(_check_count(n_frames), dtype=np.intp)
    raise ValueError(f"Unknown frame strategy {strategy!r}; choose one of {FRAME_STRATEGIES}.")
