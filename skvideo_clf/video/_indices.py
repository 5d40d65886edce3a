"""Frame-index strategies: small pure functions from a frame count to frame indices."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

__all__ = [
    "FRAME_STRATEGIES",
    "block_indices",
    "fps_indices",
    "rand_down_indices",
    "rand_down_or_up_sample",
    "sample_frame_indices",
    "uniform_indices",
    "up_sample_indices",
]


class _PositiveInt(Interval):
    """``Interval(Integral, 1, None)`` that reads "a positive integer" in error messages.

    The library's messages for frame counts have always said "positive integer" (and
    tests match it), which scikit-learn's generic "an int in the range [1, inf)" does not.
    """

    def __init__(self):
        super().__init__(Integral, 1, None, closed="left")

    def __str__(self):
        return "a positive integer"


_COUNT = [_PositiveInt()]
# np.inf as the upper bound refuses an infinite frame rate; None would let it through.
_POSITIVE_FINITE = [Interval(Real, 0, np.inf, closed="neither")]


@validate_params({"n_frames": _COUNT, "n": _COUNT}, prefer_skip_nested_validation=True)
def uniform_indices(n_frames: int, n: int) -> np.ndarray:
    """``n`` frame indices spread evenly from the first to the last frame.

    With ``n > n_frames`` frames repeat in order (a smooth up-sampling).

    Parameters
    ----------
    n_frames : int
        Frames in the video, at least 1.
    n : int
        How many indices to return, at least 1.

    Returns
    -------
    indices : ndarray of shape (n,), dtype intp
        Non-decreasing indices into ``range(n_frames)``, first and last frame included.

    Examples
    --------
    >>> from skvideo_clf.video import uniform_indices
    >>> uniform_indices(10, 4).tolist()
    [0, 3, 6, 9]
    >>> uniform_indices(3, 5).tolist()
    [0, 0, 1, 2, 2]
    """
    return np.round(np.linspace(0, n_frames - 1, n)).astype(np.intp)


@validate_params(
    {"n_frames": _COUNT, "take": _COUNT, "every": _COUNT}, prefer_skip_nested_validation=True
)
def block_indices(n_frames: int, take: int = 8, every: int = 25) -> np.ndarray:
    """``take`` evenly spaced frames out of every block of ``every`` frames.

    The UCF101 thesis samples 8 frames out of every 25 (8 per second of 25-FPS UCF101 video). A
    trailing partial block contributes its proportional share (at least one frame).

    Parameters
    ----------
    n_frames : int
        Frames in the video, at least 1.
    take : int, default=8
        Frames kept per block; at most ``every``.
    every : int, default=25
        Block length in frames.

    Returns
    -------
    indices : ndarray of int
        Sorted, distinct frame indices.

    Raises
    ------
    ValueError
        ``take`` exceeds ``every``.

    Examples
    --------
    >>> from skvideo_clf.video import block_indices
    >>> block_indices(50, take=8, every=25).tolist()[:8]
    [0, 3, 7, 10, 14, 17, 21, 24]
    """
    if take > every:
        raise ValueError(f"take={take} cannot exceed every={every}.")
    out = []
    for start in range(0, n_frames, every):
        size = min(every, n_frames - start)
        k = max(1, round(take * size / every))
        out.append(start + np.round(np.linspace(0, size - 1, k)).astype(np.intp))
    return np.unique(np.concatenate(out))


@validate_params(
    {
        "n_frames": _COUNT,
        "video_fps": _POSITIVE_FINITE,
        "target_fps": [Interval(Real, 0, None, closed="neither")],
        "max_frames": [Interval(Integral, 0, None, closed="left"), None],
    },
    prefer_skip_nested_validation=True,
)
def fps_indices(n_frames: int, video_fps: float, target_fps: float = 1.0,
                max_frames: int | None = 360) -> np.ndarray:
    """One frame per ``1 / target_fps`` seconds, at most ``max_frames`` (low-complexity RNN paper).

    The low-complexity RNN paper down-samples YouTube-8M videos to 1 FPS and keeps up to the first
    360 frames.

    Parameters
    ----------
    n_frames : int
        Frames in the video, at least 1.
    video_fps : float
        The video's frame rate, positive and finite.
    target_fps : float, default=1.0
        Frames to keep per second of video.
    max_frames : int or None, default=360
        Keep at most this many (the first ones); ``None`` keeps all.

    Returns
    -------
    indices : ndarray of int
        Increasing frame indices, the first one 0.

    Examples
    --------
    >>> from skvideo_clf.video import fps_indices
    >>> fps_indices(100, video_fps=25, target_fps=1).tolist()
    [0, 25, 50, 75]
    """
    step = video_fps / target_fps
    idx = np.floor(np.arange(0, n_frames, step) + 1e-9).astype(np.intp)
    idx = idx[idx < n_frames]
    if max_frames is not None:
        idx = idx[:max_frames]
    return idx


@validate_params(
    {"n_frames": _COUNT, "alpha": _COUNT, "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def rand_down_indices(n_frames: int, alpha: int, random_state=None) -> np.ndarray:
    """RandDown (the CNN-ResBiLSTM paper, Algorithm 1): a random frame in each of ``alpha`` spans.

    ``skip = n_frames / alpha``; window ``i`` covers frames ``[floor(i*skip),
    floor((i+1)*skip))``, and one frame is drawn uniformly inside each. With an integer
    ``skip`` these are exactly the paper's windows (alpha=5, 25 frames: skip 5, one random
    frame out of each 5); otherwise the windows differ in size by at most one frame and
    still cover every frame.

    Parameters
    ----------
    n_frames : int
        Frames in the video, at least ``alpha``.
    alpha : int
        Frames to draw (the clip length).
    random_state : int, RandomState instance or None, default=None
        Draws the frame inside each window.

    Returns
    -------
    indices : ndarray of shape (alpha,), dtype intp
        Strictly increasing frame indices, one per window.

    Raises
    ------
    ValueError
        The video has fewer than ``alpha`` frames (use :func:`up_sample_indices`).

    Examples
    --------
    >>> from skvideo_clf.video import rand_down_indices
    >>> idx = rand_down_indices(25, alpha=5, random_state=0)
    >>> [int(i) // 5 for i in idx]
    [0, 1, 2, 3, 4]
    """
    if n_frames < alpha:
        raise ValueError(
            f"rand_down needs at least alpha={alpha} frames, got {n_frames}; use "
            "up_sample_indices for shorter videos."
        )
    rng = check_random_state(random_state)
    bounds = np.floor(np.arange(alpha + 1) * (n_frames / alpha)).astype(np.intp)
    bounds[-1] = n_frames
    return bounds[:-1] + np.floor(rng.random_sample(alpha) * np.diff(bounds)).astype(np.intp)


@validate_params({"n_frames": _COUNT, "alpha": _COUNT}, prefer_skip_nested_validation=True)
def up_sample_indices(n_frames: int, alpha: int) -> np.ndarray:
    """UpSample (the CNN-ResBiLSTM paper): stretch a video shorter than ``alpha`` to ``alpha``.

    Each frame is repeated in order (nearest-neighbour in time,
    ``floor(i * n_frames / alpha)``), so every frame appears and the order is kept.

    Parameters
    ----------
    n_frames : int
        Frames in the video, at least 1.
    alpha : int
        Frames to return (the clip length).

    Returns
    -------
    indices : ndarray of shape (alpha,), dtype intp
        Non-decreasing frame indices.

    Examples
    --------
    >>> from skvideo_clf.video import up_sample_indices
    >>> up_sample_indices(3, alpha=7).tolist()
    [0, 0, 0, 1, 1, 2, 2]
    """
    return np.floor(np.arange(alpha) * (n_frames / alpha)).astype(np.intp)


@validate_params(
    {"n_frames": _COUNT, "alpha": _COUNT, "random_state": ["random_state"]},
    prefer_skip_nested_validation=True,
)
def rand_down_or_up_sample(n_frames: int, alpha: int, random_state=None) -> np.ndarray:
    """Algorithm 1 of the CNN-ResBiLSTM paper: RandDown for a long video, UpSample for a short one.

    A video with more than ``alpha`` frames goes to :func:`rand_down_indices`; one with
    ``alpha`` frames or fewer to :func:`up_sample_indices` (so a video of exactly
    ``alpha`` frames keeps every frame).

    Parameters
    ----------
    n_frames : int
        Decodable frames in the video (at least 1).
    alpha : int
        The clip length: how many indices to return.
    random_state : int, RandomState instance or None, default=None
        Used by RandDown only.

    Returns
    -------
    indices : ndarray of shape (alpha,), dtype intp
        Frame indices in reading order: distinct (RandDown) or with repeats (UpSample).

    Examples
    --------
    >>> from skvideo_clf.video import rand_down_or_up_sample
    >>> rand_down_or_up_sample(3, alpha=5).tolist()
    [0, 0, 1, 1, 2]
    >>> len(rand_down_or_up_sample(100, alpha=5, random_state=0))
    5
    """
    if n_frames > alpha:
        return rand_down_indices(n_frames, alpha, random_state)
    return up_sample_indices(n_frames, alpha)


#: Strategies accepted by :func:`sample_frame_indices`.
FRAME_STRATEGIES = ("uniform", "block", "fps", "rand_down", "all")


# The strategy-specific arguments are validated by the strategy the call dispatches to
# (hence prefer_skip_nested_validation=False), whose errors scikit-learn re-words to
# name sample_frame_indices. `strategy` is only type-checked here: the membership check
# below gives the library's "Unknown frame strategy" message.
@validate_params(
    {
        "n_frames": _COUNT,
        "strategy": [str],
        "sequence_length": [_PositiveInt(), None],
        "video_fps": [Real],
        "take": "no_validation",
        "every": "no_validation",
        "target_fps": "no_validation",
        "max_frames": "no_validation",
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=False,
)
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
        shorter); ``"block"``: ``take`` of every ``every`` frames (the UCF101 thesis);
        ``"fps"``: ``target_fps`` frames per second up to ``max_frames`` (the low-complexity RNN
        paper); ``"rand_down"``: the CNN-ResBiLSTM paper's RandDown / UpSample to
        ``sequence_length``; ``"all"``: every frame.
    sequence_length : int or None, default=None
        Required by ``"uniform"`` and ``"rand_down"``; the other strategies ignore it (a
        featurizer pads or truncates their output to its own ``sequence_length``).
    video_fps : float, default=nan
        The video's frame rate; required by ``"fps"`` (in-memory arrays have none).
    take, every : int, default=8, 25
        For ``"block"``, see :func:`block_indices`.
    target_fps : float, default=1.0
        For ``"fps"``, see :func:`fps_indices`.
    max_frames : int or None, default=360
        For ``"fps"``, see :func:`fps_indices`.
    random_state : int, RandomState instance or None, default=None
        For ``"rand_down"``, see :func:`rand_down_indices`.

    Returns
    -------
    indices : ndarray of int
        Frame indices into ``range(n_frames)``, in reading order.

    Raises
    ------
    ValueError
        An unknown strategy, or one that lacks what it needs (``sequence_length``, the
        frame rate).

    Examples
    --------
    >>> from skvideo_clf.video import sample_frame_indices
    >>> sample_frame_indices(10, "uniform", 4).tolist()
    [0, 3, 6, 9]
    >>> sample_frame_indices(100, "fps", video_fps=25.0).tolist()
    [0, 25, 50, 75]
    >>> sample_frame_indices(5, "all").tolist()
    [0, 1, 2, 3, 4]
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
        return np.arange(n_frames, dtype=np.intp)
    raise ValueError(f"Unknown frame strategy {strategy!r}; choose one of {FRAME_STRATEGIES}.")
