"""Reading videos: decodable frame counts and the streaming OpenCV frame reader."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from sklearn.utils._param_validation import validate_params

from ._clip import _VIDEO, InMemoryVideo, VideoReadError, _as_source, source_fingerprint

#: File extensions that :func:`skvideo_clf.datasets.load_video_folder` treats as videos.
VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v", ".wmv")


@dataclass(frozen=True)
class VideoInfo:
    """What a video holds: decodable frame count, frame rate and frame size.

    Returned by :func:`video_info`; not built by hand.

    Parameters
    ----------
    n_frames : int
        Frames that actually decode.
    fps : float
        Frame rate from the container; NaN when unknown (in-memory videos).
    height, width : int
        Frame size in pixels.
    declared_frames : int
        The frame count the container header claims (may differ from ``n_frames``).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import video_info
    >>> info = video_info(np.zeros((3, 4, 6, 3), dtype=np.uint8))
    >>> info.n_frames, info.height, info.width
    (3, 4, 6)
    """

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


@validate_params({"video": _VIDEO}, prefer_skip_nested_validation=True)
def video_info(video) -> VideoInfo:
    """Frame count *as actually decodable*, fps and size of a video.

    OpenCV's ``CAP_PROP_FRAME_COUNT`` comes from the container header and can be wrong
    (truncated files, variable frame rate, broken indexes), so the count here is obtained
    by grabbing every frame once. Results are cached per file identity (path, size, mtime),
    so a file is counted once per process.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video; for a clip, the whole of its source is described.

    Returns
    -------
    info : VideoInfo
        Decodable frame count, fps (NaN for in-memory videos), height, width and the
        header's declared frame count.

    Raises
    ------
    FileNotFoundError
        The file does not exist.
    VideoReadError
        The file is a directory, empty, not a video, or has no decodable frame.

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


@validate_params({"video": _VIDEO}, prefer_skip_nested_validation=True)
def count_frames(video) -> int:
    """Number of frames that actually decode (see :func:`video_info`).

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video.

    Returns
    -------
    n_frames : int
        ``video_info(video).n_frames``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import count_frames
    >>> count_frames(np.zeros((5, 8, 8, 3), dtype=np.uint8))
    5
    """
    return video_info(video).n_frames


@validate_params(
    {"video": _VIDEO, "indices": ["array-like", None]}, prefer_skip_nested_validation=True
)
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

    Returns
    -------
    frames : iterator of ndarray of shape (height, width, 3), dtype uint8
        Lazy: arguments are checked when ``read_frames`` is called, the file is opened
        and decoded as the iterator is consumed.

    Raises
    ------
    ValueError
        A negative frame index.
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


@validate_params(
    {"video": _VIDEO, "indices": ["array-like", None]}, prefer_skip_nested_validation=True
)
def read_video(video, indices=None) -> np.ndarray:
    """All requested frames as one ``(n, H, W, 3)`` uint8 array (for small videos only).

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video.
    indices : sequence of int, default=None
        Frames to read, in this order; ``None`` reads every frame.

    Returns
    -------
    frames : ndarray of shape (n, height, width, 3), dtype uint8
        ``n`` is ``len(indices)``, or the number of decodable frames.

    Raises
    ------
    VideoReadError
        No frame was read, or as :func:`read_frames`.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import read_video
    >>> read_video(np.zeros((5, 8, 8, 3), dtype=np.uint8), [0, 4, 4]).shape
    (3, 8, 8, 3)
    """
    frames = list(read_frames(video, indices))
    if not frames:
        raise VideoReadError(f"{_as_source(video)}: no frames were read.")
    return np.stack(frames)

