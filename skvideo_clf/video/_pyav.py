"""The optional PyAV decoder behind ``read_frames(..., reader="pyav")``.

PyAV (``pip install av``, wheels with FFmpeg inside) exposes what OpenCV hides: each
packet's keyframe flag and each frame's presentation timestamp, so seeks land on a known
keyframe and are confirmed by timestamp, variable frame rate included.
"""

from __future__ import annotations

from ._source import VideoReadError


def require_av():
    """Import ``av`` or say how to get it."""
    try:  # optional dependency: imported when reader="pyav" is asked for
        import av
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            'reader="pyav" needs the optional PyAV package: pip install av '
            '(or pip install "skvideo-clf[av]").'
        ) from None
    return av


def _open(path):
    av = require_av()
    try:
        container = av.open(path)
    except (av.error.FFmpegError, ValueError) as exc:
        raise VideoReadError(f"{path!r} could not be opened by PyAV: {exc}") from None
    if not container.streams.video:
        container.close()
        raise VideoReadError(f"{path!r} has no video stream.")
    return container, container.streams.video[0]


def packet_times(path):
    """``(times, keyframe flags)`` of the demuxed (not decoded) packets, or None when the
    container gives no times."""
    container, stream = _open(path)
    times, keys = [], []
    try:
        for packet in container.demux(stream):
            if packet.pts is None:  # the flush packet, or a container without times
                if packet.size:
                    return None
                continue
            times.append(packet.pts)
            keys.append(packet.is_keyframe)
    finally:
        container.close()
    return times, keys


class PyAVDecoder:
    """``read_frames``' decoder interface (see ``_OpenCVDecoder``) over PyAV."""

    reader = "pyav"
    seek_backoff = 0  # lands on the keyframe at or before the target itself

    def __init__(self, path, threads=None):
        self.path = path
        self.container, self.stream = _open(path)
        ctx = self.stream.codec_context
        if threads:
            ctx.thread_count = int(threads)
        self.stream.thread_type = "AUTO"
        self._frames = self.container.decode(self.stream)

    def _next(self):
        try:
            return next(self._frames)
        except StopIteration:
            return None
        except Exception as exc:  # av.error.FFmpegError: a damaged packet
            raise VideoReadError(f"{self.path!r}: decoding failed: {exc}") from None

    def grab(self) -> bool:
        return self._next() is not None

    def read(self):
        frame = self._next()
        return None if frame is None else frame.to_ndarray(format="rgb24")

    def calibrate(self, index):
        """PyAV reports each frame's own timestamp: nothing to calibrate."""

    def seek(self, i, t):
        self.container.seek(int(t), stream=self.stream, backward=True, any_frame=False)
        self._frames = self.container.decode(self.stream)
        # doubts: a landing that is not a keyframe, times that are missing, go backwards
        # (AVI's packed B-frames) or pass the target
        prev = None
        while (frame := self._next()) is not None:
            if (frame.pts is None or frame.pts > t or (prev is None and not frame.key_frame)
                    or (prev is not None and frame.pts <= prev)):
                return None
            if frame.pts == t:
                return frame.to_ndarray(format="rgb24")
            prev = frame.pts
        return None

    def close(self):
        self.container.close()



