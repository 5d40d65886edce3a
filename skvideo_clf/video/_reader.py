"""Reading videos: frame counts from the container, and the streaming, seeking frame reader.

One concept although it passes 500 lines: where a frame index is in a file. Counting (from
the container, checked against its packets) and seeking (to the keyframe before a target,
confirmed by the landed timestamp) rely on the same index of keyframes and timestamps.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from numbers import Integral

import cv2
import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

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
        Frames of the video (how they were counted: ``counted``).
    fps : float
        Frame rate from the container; NaN when unknown (in-memory videos).
    height, width : int
        Frame size in pixels.
    declared_frames : int
        The frame count the container header claims (may differ from ``n_frames``).
    counted : {"exact", "packets", "header"}
        ``"exact"``: every frame decoded; ``"packets"``: the header's count, confirmed by
        the demuxed packets; ``"header"``: the header's count as it is.

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
    counted: str = "exact"


#: How :func:`video_info` counts frames (see its docstring).
COUNT_MODES = ("auto", "header", "exact")
#: Decoders behind :func:`read_frames`; ``"pyav"`` needs the optional ``av`` package.
READERS = ("opencv", "pyav")
#: How :func:`read_frames` reaches a frame: seek when it pays (verified) or never.
SEEK_MODES = ("auto", "never")


def _open(path, threads=None) -> cv2.VideoCapture:
    if not os.path.exists(path):
        raise FileNotFoundError(f"Video file not found: {path!r}")
    if os.path.isdir(path):
        raise VideoReadError(f"{path!r} is a directory, not a video file.")
    if os.path.getsize(path) == 0:
        raise VideoReadError(f"{path!r} is an empty (zero-byte) file, not a video.")
    if threads:
        cap = cv2.VideoCapture(path, cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, int(threads)])
    else:
        cap = cv2.VideoCapture(path)
    if not cap.isOpened():
        cap.release()
        raise VideoReadError(
            f"{path!r} could not be opened as a video: it is not a video, is corrupt, or "
            "uses a codec this OpenCV build cannot decode (try re-encoding it, e.g. "
            "`ffmpeg -i in -c:v libx264 out.mp4`)."
        )
    return cap


@dataclass(frozen=True)
class _PacketIndex:
    """What the container says without decoding: each frame's time and the keyframes.

    ``times[i]`` is frame ``i``'s presentation time (display order; milliseconds for
    OpenCV, stream time-base units for PyAV); ``keyframes`` the display indices of the
    frames a seek can land on, ascending.
    """

    times: np.ndarray
    keyframes: np.ndarray

    def __len__(self):
        return len(self.times)

    def keyframe_at_or_before(self, i: int) -> int:
        k = int(np.searchsorted(self.keyframes, i, side="right")) - 1
        return int(self.keyframes[k]) if k >= 0 else 0


def _build_index(times, keys) -> _PacketIndex | None:
    times = np.asarray(times, dtype=np.float64)
    keys = np.asarray(keys, dtype=bool)
    if len(times) == 0 or not np.all(np.isfinite(times)):
        return None
    order = np.argsort(times, kind="stable")
    sorted_times = times[order]
    if np.any(np.diff(sorted_times) <= 0):  # duplicate times: frames cannot be told apart
        return None
    rank = np.empty(len(times), np.intp)
    rank[order] = np.arange(len(times))
    return _PacketIndex(sorted_times, np.unique(np.r_[0, rank[keys]]))


_INDEX_CACHE: dict[tuple, _PacketIndex | None] = {}


def _packet_index(path, reader="opencv") -> _PacketIndex | None:
    """The container's packets, demuxed but not decoded (cached per file identity).

    None when the container gives no usable times (no seeking is then attempted).
    """
    key = (source_fingerprint(path), reader)
    if key in _INDEX_CACHE:
        return _INDEX_CACHE[key]
    if reader == "pyav":
        from ._pyav import packet_index

        index = packet_index(path)
    else:
        times, keys = [], []
        cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
        try:
            while cap.isOpened() and cap.grab():  # raw packets: demuxed, not decoded
                times.append(cap.get(cv2.CAP_PROP_POS_MSEC))
                keys.append(bool(cap.get(cv2.CAP_PROP_LRF_HAS_KEY_FRAME)))
        finally:
            cap.release()
        index = _build_index(times, keys)
    _INDEX_CACHE[key] = index
    return index


_INFO_CACHE: dict[tuple, VideoInfo] = {}


@validate_params(
    {"video": _VIDEO, "count": [StrOptions(set(COUNT_MODES))]},
    prefer_skip_nested_validation=True,
)
def video_info(video, count="auto") -> VideoInfo:
    """Frame count, fps and size of a video, counted without decoding where it is safe.

    OpenCV's ``CAP_PROP_FRAME_COUNT`` comes from the container header and can be wrong
    (truncated files, broken indexes, headers that lie), and decoding every frame to count
    them costs as much as reading the whole video (27 s for 10 minutes of 720p). So by
    default the header's count is accepted only when the container's packets, demuxed
    but not decoded, agree with it; otherwise every frame is decoded once. Results are
    cached per file identity (path, size, mtime) and count mode, so a file is counted
    once per process (featurizers with a ``memory`` also keep counts on disk).

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video; for a clip, the whole of its source is described.
    count : {"auto", "header", "exact"}, default="auto"
        ``"auto"``: the header's count when the demuxed packets agree with it, else an
        exact count. ``"header"``: the header's count as it is (microseconds; a read that
        ends early is the check, see the featurizers). ``"exact"``: decode every frame
        (the slow, certain count).

    Returns
    -------
    info : VideoInfo
        Frame count, fps (NaN for in-memory videos), height, width, the header's
        declared frame count and how the count was obtained (``counted``).

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
        return VideoInfo(t, float("nan"), h, w, t, "exact")
    key = (source_fingerprint(source), count)
    info = _INFO_CACHE.get(key)
    if info is not None:
        return info
    cap = _open(source)
    try:
        declared = int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0) or float("nan")
        ok, frame = cap.read()  # the true size: headers can lie about it too
        if not ok:
            raise VideoReadError(f"{source!r} has no decodable frames (empty or corrupt video).")
        h, w = frame.shape[:2]
        counted = "exact"
        if count == "header" and declared > 0:
            n, counted = declared, "header"
        elif count == "auto" and declared > 0 and _packets_agree(source, declared):
            n, counted = declared, "packets"
        else:
            n = 1
            while cap.grab():
                n += 1
    finally:
        cap.release()
    info = VideoInfo(n, fps, h, w, declared, counted)
    _INFO_CACHE[key] = info
    return info


def remember_info(source, count, info: VideoInfo) -> None:
    """Replace what :func:`video_info` answers for ``source`` at ``count`` in this process
    (a featurizer found the header's count wrong by reading; not public API)."""
    _INFO_CACHE[(source_fingerprint(_as_source(source)), count)] = info


def _packets_agree(source, declared) -> bool:
    index = _packet_index(source)
    return index is not None and len(index) == declared


@validate_params(
    {"video": _VIDEO, "count": [StrOptions(set(COUNT_MODES))]},
    prefer_skip_nested_validation=True,
)
def count_frames(video, count="auto") -> int:
    """Number of frames of a video (see :func:`video_info`).

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video.
    count : {"auto", "header", "exact"}, default="auto"
        How to count (see :func:`video_info`).

    Returns
    -------
    n_frames : int
        ``video_info(video, count).n_frames``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import count_frames
    >>> count_frames(np.zeros((5, 8, 8, 3), dtype=np.uint8))
    5
    """
    return video_info(video, count).n_frames


@validate_params(
    {"video": _VIDEO, "reader": [StrOptions(set(READERS))]},
    prefer_skip_nested_validation=True,
)
def keyframe_indices(video, reader="opencv") -> np.ndarray:
    """Display indices of the frames a seek lands on (keyframes), from the container.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video. Every frame of an in-memory video counts as a keyframe.
    reader : {"opencv", "pyav"}, default="opencv"
        Whose demuxer reads the packets.

    Returns
    -------
    keyframes : ndarray of int
        Ascending; ``[0]`` when the container gives no usable index.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import keyframe_indices
    >>> keyframe_indices(np.zeros((3, 8, 8, 3), np.uint8)).tolist()
    [0, 1, 2]
    """
    source = _as_source(video)
    if isinstance(source, InMemoryVideo):
        return np.arange(len(source))
    _check_reader(reader)
    index = _packet_index(source, reader)
    return np.zeros(1, np.intp) if index is None else index.keyframes.astype(np.intp)


def _check_reader(reader):
    if reader not in READERS:
        raise ValueError(f"reader must be one of {READERS}; got {reader!r}.")
    if reader == "pyav":
        from ._pyav import require_av

        require_av()


@validate_params(
    {"video": _VIDEO, "indices": ["array-like", None],
     "reader": [StrOptions(set(READERS))], "seek": [StrOptions(set(SEEK_MODES))],
     "threads": [Interval(Integral, 1, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
def read_frames(video, indices: Sequence[int] | None = None, *, reader="opencv",
                seek="auto", threads=None) -> Iterator[np.ndarray]:
    """Stream the requested frames of a video as RGB uint8 ``H x W x 3`` arrays.

    Frames are decoded one at a time and only the requested ones are converted and kept:
    for non-decreasing ``indices`` (the usual case, repeats included) at most one frame is
    held; for unordered indices only the distinct requested frames are.

    **Seeking.** With ``seek="auto"`` the reader jumps (to the keyframe before the target,
    then decodes forward) only when the next requested frame lies beyond the current
    keyframe interval, and decodes forward otherwise: a few frames out of a long video
    cost about one keyframe interval each, dense requests cost no more than one pass.
    After each jump the landed frame's timestamp is compared with the container's
    timestamp of the requested frame; on any disagreement (variable frame rate, broken
    indexes) the file is reopened and read sequentially from there on, so the frames are
    always those of a sequential decode.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video. A clip's own frame indices are ignored here; use ``Clip.read``.
    indices : sequence of int, default=None
        Frames to yield, in this order. ``None`` yields every frame.
    reader : {"opencv", "pyav"}, default="opencv"
        The decoder. ``"pyav"`` needs the optional ``av`` package (``pip install av``);
        its colour conversion may differ from OpenCV's by a few levels.
    seek : {"auto", "never"}, default="auto"
        ``"never"`` decodes every frame up to the last requested one.
    threads : int, default=None
        Decoder threads (``None``: the decoder's default, usually one per core). Set it
        to share cores with a network (see the user guide's thread budget).

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
    _check_reader(reader)
    if reader == "pyav":
        from ._pyav import PyAVDecoder as decoder
    else:
        decoder = _OpenCVDecoder
    return _read_file(source, indices, decoder, seek, threads)


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


class _OpenCVDecoder:
    """The reader interface over ``cv2.VideoCapture``: ``grab``, ``retrieve``, ``seek``.

    A decoder tracks nothing itself; ``_read_file`` owns the position. ``seek(i, t)``
    lands on frame ``i`` (whose container time is ``t``), decodes it and returns it as
    RGB, or None when the landed frame's time is not ``t`` (then the decoder is spent).
    """

    reader = "opencv"
    #: OpenCV's seek to frame ``i`` starts at the keyframe at or before ``i - 16`` (its
    #: ``CvCapture_FFMPEG::seek``), so a target just past a keyframe costs the interval
    #: before it too: seek only when that keyframe lies ahead of the current position.
    seek_backoff = 16

    def __init__(self, path, threads=None):
        self.path = path
        self.cap = _open(path, threads)
        self._offset = None  # decoded-frame time minus container time (AVI: one frame)

    def grab(self) -> bool:
        return self.cap.grab()

    def read(self):
        ok, frame = self.cap.read()
        if not ok:
            return None
        if self._offset is None:
            self._first_time = self.cap.get(cv2.CAP_PROP_POS_MSEC)
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def calibrate(self, index):
        # the time OpenCV reports for a decoded frame is, for some containers, that of the
        # next one; frame 0 (always read first) tells which convention this file follows
        self._offset = self._first_time - index.times[0]

    def seek(self, i, t):
        self.cap.set(cv2.CAP_PROP_POS_FRAMES, i)
        ok, frame = self.cap.read()
        if not ok:
            return None
        landed = self.cap.get(cv2.CAP_PROP_POS_MSEC) - self._offset
        if abs(landed - t) > 0.25:  # ms; frames are >= ~1 ms apart in any real video
            return None
        return cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)

    def close(self):
        self.cap.release()


def _read_file(path, indices, decoder_cls, seek, threads):
    if indices is not None and not indices:
        return
    dec = decoder_cls(path, threads)
    try:
        if indices is None:
            n = 0
            while (frame := dec.read()) is not None:
                n += 1
                yield frame
            if n == 0:
                raise VideoReadError(f"{path!r} has no decodable frames (empty or corrupt video).")
            return
        ordered = all(a <= b for a, b in zip(indices, indices[1:]))
        targets = sorted(set(indices))
        index = None
        if seek == "auto" and _gaps_worth_an_index(targets):
            index = _packet_index(path, decoder_cls.reader)
        kept: dict[int, np.ndarray] = {}
        out_i = 0
        pos = 0  # index of the next frame the decoder will return
        frame0 = dec.read()  # always decoded: it calibrates timestamps
        if frame0 is None:
            raise VideoReadError(f"{path!r} has no decodable frames (empty or corrupt video).")
        pos = 1
        if index is not None:
            dec.calibrate(index)
        for t in targets:
            frame = frame0 if t == 0 else None
            if frame is None and index is not None and t < len(index):
                # the keyframe a seek lands on; jump only when it lies ahead of here
                key = index.keyframe_at_or_before(max(t - dec.seek_backoff, 0))
                if key >= pos and key > 0:
                    frame = dec.seek(t, index.times[t])
                    if frame is None:  # doubt: start over, sequentially
                        dec.close()
                        dec = decoder_cls(path, threads)
                        index, pos = None, 0
                    else:
                        pos = t + 1
            if frame is None:
                while pos < t and dec.grab():
                    pos += 1
                frame = dec.read() if pos == t else None
                if frame is None:
                    raise VideoReadError(
                        f"{path!r}: frame {targets[-1]} requested but only {pos} frames "
                        "decode (the file is truncated or its header overstates the frame "
                        "count)."
                    )
                pos += 1
            if ordered:
                while out_i < len(indices) and indices[out_i] == t:
                    yield frame
                    out_i += 1
            else:
                kept[t] = frame
        if not ordered:
            for i in indices:
                yield kept[i]
    finally:
        dec.close()


def _gaps_worth_an_index(targets) -> bool:
    # a gap this long may span a keyframe interval; shorter ones are decoded through
    return len(targets) > 0 and (targets[0] > 8 or any(b - a > 8 for a, b in
                                                         zip(targets, targets[1:])))


@validate_params(
    {"video": _VIDEO, "indices": ["array-like", None],
     "reader": [StrOptions(set(READERS))], "seek": [StrOptions(set(SEEK_MODES))]},
    prefer_skip_nested_validation=True,
)
def read_video(video, indices=None, *, reader="opencv", seek="auto") -> np.ndarray:
    """All requested frames as one ``(n, H, W, 3)`` uint8 array (for small videos only).

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video.
    indices : sequence of int, default=None
        Frames to read, in this order; ``None`` reads every frame.
    reader, seek : str
        As :func:`read_frames`.

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
    frames = list(read_frames(video, indices, reader=reader, seek=seek))
    if not frames:
        raise VideoReadError(f"{_as_source(video)}: no frames were read.")
    return np.stack(frames)

