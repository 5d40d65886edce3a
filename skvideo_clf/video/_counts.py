"""Frame counts: counted from the container, kept once per file identity.

The one store of frame counts in the library, behind :func:`video_info`: a bounded
in-memory cache per process (keyed by the file's fingerprint, i.e. path, size and mtime,
and the count mode) and, when a ``cache_dir`` is given, small files on disk so that each
file is counted once, not once per process. Readers and featurizers all ask
:func:`video_info`; a count that a read proves wrong is replaced by
:func:`recount_frames`.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import OrderedDict
from dataclasses import asdict, dataclass

import cv2
from sklearn.utils._param_validation import StrOptions, validate_params

from ..utils import atomic_write_text
from ._clip import _VIDEO, _as_source
from ._decode import _open, _packet_index, packet_index
from ._source import InMemoryVideo, VideoReadError, file_fingerprint

#: A file is ``VideoInfo.truncated`` when fewer than this fraction of the frames its
#: header declares decode (headers that overstate by a frame or two stay quiet).
TRUNCATED_FRACTION = 0.75


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

    @property
    def truncated(self) -> bool:
        """Far fewer frames decode than the header declares: under
        :data:`TRUNCATED_FRACTION` of them (a cut or damaged file). Known only for a
        count that decoded or demuxed the file (not ``counted="header"``)."""
        return (self.counted != "header" and self.declared_frames > 1
                and self.n_frames < TRUNCATED_FRACTION * self.declared_frames)


#: How :func:`video_info` counts frames (see its docstring).
COUNT_MODES = ("auto", "header", "exact")


#: How :func:`video_info` counts frames (see its docstring).
COUNT_MODES = ("auto", "header", "exact")


class _Bounded:
    """A least-recently-used mapping of at most ``maxsize`` entries (``lru_cache``'s
    policy, with entries that can be replaced)."""

    def __init__(self, maxsize):
        self.maxsize = maxsize
        self._entries: OrderedDict = OrderedDict()

    def get(self, key):
        value = self._entries.get(key)
        if value is not None:
            self._entries.move_to_end(key)
        return value

    def put(self, key, value):
        self._entries[key] = value
        self._entries.move_to_end(key)
        while len(self._entries) > self.maxsize:
            self._entries.popitem(last=False)

    def clear(self):
        self._entries.clear()

    def __len__(self):
        return len(self._entries)


#: Counts of this process: (fingerprint, count mode) -> VideoInfo.
_COUNTS = _Bounded(maxsize=4096)


def _disk_path(cache_dir, key):
    """``<cache_dir>/video_info/<kk>/<key>.json`` of a count (``None`` without a folder)."""
    if cache_dir is None:
        return None
    digest = hashlib.blake2b(f"{key[0]}|{key[1]}|opencv {cv2.__version__}".encode(),
                             digest_size=20).hexdigest()
    return os.path.join(os.fspath(cache_dir), "video_info", digest[:2], digest + ".json")


def _load(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return VideoInfo(**json.load(fh))
    except (OSError, ValueError, TypeError):  # absent or damaged: counted again
        return None


def _keep(key, info, cache_dir):
    _COUNTS.put(key, info)
    path = _disk_path(cache_dir, key)
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        atomic_write_text(path, json.dumps(asdict(info)))
    except OSError:  # the store is an optimisation; the frame cache warns about its disk
        pass


def _clear():
    """Forget every count and container index of this process (as a new process would
    start; the on-disk counts stay)."""
    _COUNTS.clear()
    _packet_index.cache_clear()


@validate_params(
    {"video": _VIDEO, "count": [StrOptions(set(COUNT_MODES))],
     "cache_dir": [str, os.PathLike, None]},
    prefer_skip_nested_validation=True,
)
def video_info(video, count="auto", *, cache_dir=None) -> VideoInfo:
    """Frame count, fps and size of a video, counted without decoding where it is safe.

    OpenCV's ``CAP_PROP_FRAME_COUNT`` comes from the container header and can be wrong
    (truncated files, broken indexes, headers that lie), and decoding every frame to count
    them costs as much as reading the whole video (27 s for 10 minutes of 720p). So by
    default the header's count is accepted only when the container's packets, demuxed
    but not decoded, agree with it; otherwise every frame is decoded once. Results are
    kept per file identity (path, size, mtime) and count mode, so a file is counted
    once per process (at most 4096 files, the least recently asked forgotten first), and
    once for all processes with a ``cache_dir``. ``video_info.cache_clear()`` forgets this
    process's counts (as a new process would start).

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video; for a clip, the whole of its source is described.
    count : {"auto", "header", "exact"}, default="auto"
        ``"auto"``: the header's count when the demuxed packets agree with it, else an
        exact count. ``"header"``: the header's count as it is (microseconds; a read that
        ends early is the check, see the featurizers). ``"exact"``: decode every frame
        (the slow, certain count).
    cache_dir : str, path-like or None, default=None
        A folder where counts are also kept on disk (``<cache_dir>/video_info/``), read
        before counting; the featurizers pass their frame cache's folder.

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
    key = (file_fingerprint(source), count)
    info = _COUNTS.get(key)
    if info is None:
        path = _disk_path(cache_dir, key)
        info = _load(path) if path is not None else None
        if info is None:
            info = _count(source, count)
            _keep(key, info, cache_dir)
        else:
            _COUNTS.put(key, info)
    return info


video_info.cache_clear = _clear


def _count(source, count):
    """Count the frames of a file (see :func:`video_info`)."""
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
    return VideoInfo(n, fps, h, w, declared, counted)


@validate_params(
    {"video": _VIDEO, "count": [StrOptions(set(COUNT_MODES))],
     "cache_dir": [str, os.PathLike, None]},
    prefer_skip_nested_validation=True,
)
def recount_frames(video, count="auto", *, cache_dir=None) -> VideoInfo:
    """Count a file's frames exactly and keep that count as its ``count``-mode count.

    For a read that ended before a requested frame although the count said the frame
    was there (a header that lies): from now on :func:`video_info` at ``count`` answers
    the exact count, in this process and, with ``cache_dir``, on disk.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video.
    count : {"auto", "header", "exact"}, default="auto"
        The count mode whose answer is replaced.
    cache_dir : str, path-like or None, default=None
        As :func:`video_info`.

    Returns
    -------
    info : VideoInfo
        The exact count (``counted="exact"``).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import recount_frames
    >>> recount_frames(np.zeros((4, 8, 8, 3), np.uint8), "header").n_frames
    4
    """
    source = _as_source(video)
    if isinstance(source, InMemoryVideo):
        return video_info(source)
    info = _count(source, "exact")
    _keep((file_fingerprint(source), count), info, cache_dir)
    return info


def _packets_agree(source, declared) -> bool:
    index = packet_index(source)
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

