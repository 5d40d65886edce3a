"""Decoding: where a frame index is in a file, and the streaming, seeking frame reader.

Seeking (to the keyframe before a target, confirmed by the landed timestamp) relies on the
container's index of keyframes and timestamps (:func:`packet_index`), demuxed once per file
identity. The public, validated entry points are in ``_reader`` (``read_frames``) and
``_clip`` (``Clip.read``); this module takes normalised sources.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

import cv2
import numpy as np

from . import _pyav
from ._source import InMemoryVideo, VideoReadError, file_fingerprint

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



def packet_index(path, reader="opencv") -> _PacketIndex | None:
    """The container's packets, demuxed but not decoded (kept per file identity).

    None when the container gives no usable times (no seeking is then attempted).
    """
    return _packet_index(file_fingerprint(path), path, reader)


#: Bounded: a process that reads many files keeps the most recent indexes only.
@functools.lru_cache(maxsize=1024)
def _packet_index(fingerprint, path, reader):
    if reader == "pyav":
        found = _pyav.packet_times(path)
        return None if found is None else _build_index(*found)
    times, keys = [], []
    cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG, [cv2.CAP_PROP_FORMAT, -1])
    try:
        while cap.isOpened() and cap.grab():  # raw packets: demuxed, not decoded
            times.append(cap.get(cv2.CAP_PROP_POS_MSEC))
            keys.append(bool(cap.get(cv2.CAP_PROP_LRF_HAS_KEY_FRAME)))
    finally:
        cap.release()
    return _build_index(times, keys)


def check_reader(reader):
    """Refuse an unknown reader; for ``"pyav"``, say how to install it when missing."""
    if reader not in READERS:
        raise ValueError(f"reader must be one of {READERS}; got {reader!r}.")
    if reader == "pyav":
        _pyav.require_av()


def stream_frames(source, indices=None, *, reader="opencv", seek="auto", threads=None):
    """:func:`~skvideo_clf.video.read_frames` of a normalised source (a path or an
    :class:`InMemoryVideo`), unvalidated: the iterator of RGB uint8 frames."""
    if indices is not None:
        indices = [int(i) for i in indices]
        if indices and min(indices) < 0:
            raise ValueError(f"{source}: negative frame index {min(indices)} requested.")
    if isinstance(source, InMemoryVideo):
        return _read_array(source, indices)
    check_reader(reader)
    decoder = _pyav.PyAVDecoder if reader == "pyav" else _OpenCVDecoder
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
            index = packet_index(path, decoder_cls.reader)
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

