"""Writing videos atomically with OpenCV."""

from __future__ import annotations

import os
from collections.abc import Iterable

import cv2
import numpy as np

from ..utils import atomic_path
from ._clip import VideoReadError


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
