"""Writing videos atomically with OpenCV."""

from __future__ import annotations

import os
from collections.abc import Iterable
from numbers import Real

import cv2
import numpy as np
from sklearn.utils._param_validation import Interval, validate_params

from ..utils import atomic_path
from ._source import VideoReadError


@validate_params(
    {
        "path": [str, os.PathLike],
        "frames": [Iterable],
        "fps": [Interval(Real, 0, None, closed="neither")],
        "fourcc": [str],
    },
    prefer_skip_nested_validation=True,
)
def write_video(path, frames: Iterable[np.ndarray], fps: float = 25.0, fourcc: str = "MJPG"):
    """Write RGB uint8 frames to ``path`` with OpenCV (MJPG in AVI by default).

    The file is written under a temporary name and renamed when complete, so an
    interrupted write never leaves a half-written video behind under ``path``.

    Parameters
    ----------
    path : str or path-like
        Where to write; the extension must suit ``fourcc`` (``.avi`` for MJPG).
    frames : iterable of ndarray of shape (height, width, 3) or (height, width)
        RGB (or grayscale) uint8 frames, all of one size, at least 8x8; consumed once,
        so a generator works.
    fps : float, default=25.0
        Frame rate written into the container.
    fourcc : str, default="MJPG"
        Four-character OpenCV codec code.

    Returns
    -------
    path : str
        ``path`` as a string.

    Raises
    ------
    ValueError
        No frames, or frames smaller than 8x8.
    VideoReadError
        OpenCV cannot write this codec to this path.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> from skvideo_clf.video import video_info, write_video
    >>> frames = np.zeros((6, 16, 16, 3), dtype=np.uint8)
    >>> path = write_video(os.path.join(tempfile.mkdtemp(), "black.avi"), frames, fps=10)
    >>> info = video_info(path)
    >>> info.n_frames, info.fps, (info.height, info.width)
    (6, 10.0, (16, 16))
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
