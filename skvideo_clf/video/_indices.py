"""Frame-index strategies: small pure functions from a frame count to frame indices."""

from __future__ import annotations

import math
from numbers import Integral

import numpy as np
from sklearn.utils import check_random_state


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

