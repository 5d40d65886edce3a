"""Windows as clips: a video cut into time windows on one frame grid, for timelines."""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._clip import _VIDEO, Clip, _as_source
from ._counts import COUNT_MODES, video_info
from ._source import InMemoryVideo

__all__ = ["WindowClip", "sliding_windows"]

#: What :func:`sliding_windows` does with the end of a video that no full window covers.
LAST_WINDOW = ("align", "drop")

# float slack: a window that ends exactly at the end of the video fits
_EPS = 1e-9


@dataclass(frozen=True, repr=False)
class WindowClip(Clip):
    """A :class:`Clip` of one time window of a video: its frames, start and end.

    Made by :func:`sliding_windows`; any featurizer or fitted pipeline reads it as it
    reads a clip.

    Parameters
    ----------
    source, frame_indices, augmentation
        As :class:`Clip`.
    start, end : float
        The window's start and end in seconds (NaN when the frame rate is unknown).

    Examples
    --------
    >>> from skvideo_clf.video import WindowClip
    >>> w = WindowClip("long.mp4", (0, 25), start=0.0, end=2.0)
    >>> w
    WindowClip('long.mp4', frames=(0, 25), start=0.0, end=2.0)
    >>> w.end - w.start
    2.0
    """

    start: float = float("nan")
    end: float = float("nan")

    def __repr__(self):
        base = super().__repr__()
        start, end = round(self.start, 6), round(self.end, 6)
        return f"WindowClip({base[len('Clip('):-1]}, start={start!r}, end={end!r})"


def _grid_starts(n, W, S, p, last):
    """Grid positions (in grid steps) of the windows' first frames."""
    if W > n + _EPS:
        return np.empty(0, np.intp)
    # window i starts on the grid point nearest i * stride
    n_max = int(math.floor((n - W) / S + _EPS)) + 2
    k0 = np.round(np.arange(n_max) * S / p).astype(np.intp)
    k0 = np.unique(k0[k0 * p + W <= n + _EPS])  # one window per grid start
    if last == "align":
        k_last = int(math.floor((n - W) / p + _EPS))
        if k_last > k0[-1]:
            k0 = np.append(k0, k_last)
    return k0


@validate_params(
    {
        "video": _VIDEO,
        "window": [Interval(Real, 0, None, closed="neither")],
        "stride": [Interval(Real, 0, None, closed="neither"), None],
        "unit": [StrOptions({"seconds", "frames"})],
        "frames_per_window": [Interval(Integral, 1, None, closed="left"), None],
        "last": [StrOptions(set(LAST_WINDOW))],
        "fps": [Interval(Real, 0, None, closed="neither"), None],
        "count": [StrOptions(set(COUNT_MODES))],
    },
    prefer_skip_nested_validation=True,
)
def sliding_windows(video, window, stride=None, *, unit="seconds", frames_per_window=None,
                    last="align", fps=None, count="auto") -> list[WindowClip]:
    """Cut a video into overlapping time windows, as clips that share one frame grid.

    Window ``i`` covers ``[i * stride, i * stride + window)``. Every window takes
    ``frames_per_window`` frames, one per *grid step* of ``window / frames_per_window``,
    and all windows take their frames from the same grid of the video (a window starts
    on the grid point nearest ``i * stride``), so a frame shared by overlapping windows
    is the same frame index in each: a featurizer given all the windows at once decodes
    and computes it once. With a stride that is a multiple of the grid step (2 s windows
    of 8 frames and a 1 s stride: a 0.25 s step) the windows start exactly at
    ``i * stride``; otherwise their starts move by less than half a grid step.

    Nothing is decoded: the frame count and frame rate come from the container (see
    :func:`video_info`).

    **The end of the video.** Only full windows are made. When the last full window ends
    one grid step or more before the end of the video, ``last="align"`` (the default) adds
    one window that ends at the last grid point that fits, within one grid step of the
    end of the video (its start is then not a multiple of ``stride``); ``last="drop"``
    leaves that tail out.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video (a clip stands for its whole source).
    window : float
        Window length, in ``unit``; positive.
    stride : float or None, default=None
        Distance between window starts, in ``unit``; ``None``: half the window. It must
        be at least one grid step (shorter strides would repeat windows).
    unit : {"seconds", "frames"}, default="seconds"
        The unit of ``window`` and ``stride``. Seconds need the frame rate (``fps`` for
        in-memory videos, which have none).
    frames_per_window : int or None, default=None
        Frames each window takes (a model's ``sequence_length``); at most the frames a
        window spans. ``None``: every frame of the window.
    last : {"align", "drop"}, default="align"
        The tail of the video after the last full window (above).
    fps : float or None, default=None
        The frame rate; ``None``: the container's (NaN for in-memory videos, whose
        windows then have NaN times).
    count : {"auto", "header", "exact"}, default="auto"
        How frames are counted (see :func:`video_info`).

    Returns
    -------
    windows : list of WindowClip
        In time order, each with ``frames_per_window`` frame indices and its ``start``
        and ``end`` in seconds.

    Raises
    ------
    ValueError
        The window is longer than the video, spans fewer frames than
        ``frames_per_window``, or the stride is shorter than one grid step; the message
        says what fits. Seconds for a video without a frame rate.

    Examples
    --------
    Ten seconds at 10 fps, 2 s windows of 4 frames every second:

    >>> import numpy as np
    >>> from skvideo_clf.video import sliding_windows
    >>> video = np.zeros((100, 8, 8, 3), np.uint8)
    >>> windows = sliding_windows(video, 2, 1, frames_per_window=4, fps=10)
    >>> len(windows), windows[1].start, windows[1].end, windows[1].frame_indices
    (9, 1.0, 3.0, (10, 15, 20, 25))
    >>> len({i for w in windows for i in w.frame_indices})  # distinct frames
    20

    A tail shorter than a stride gets one window aligned to the end:

    >>> [(w.start, w.end) for w in sliding_windows(video[:95], 2, 1, frames_per_window=4,
    ...                                            fps=10)][-2:]
    [(7.0, 9.0), (7.5, 9.5)]
    """
    source = _as_source(video)
    name = str(source)
    info = video_info(source, count)
    n = info.n_frames
    rate = float(fps) if fps is not None else info.fps
    if unit == "seconds" and not rate > 0:
        whose = ("an in-memory video has none" if isinstance(source, InMemoryVideo)
                 else "its container gives none")
        raise ValueError(f"{name}: windows in seconds need the frame rate, and {whose}; "
                         "pass fps=... or unit='frames'.")
    scale = rate if unit == "seconds" else 1.0
    W = float(window) * scale
    S = W / 2 if stride is None else float(stride) * scale
    what = " s" if unit == "seconds" else " frames"
    duration = f"{n / rate:g} s ({n} frames at {rate:g} fps)" if rate > 0 else f"{n} frames"
    if W > n + _EPS:
        fits = n / scale
        raise ValueError(f"{name} lasts {duration}: a window of {window:g}{what} does not "
                         f"fit; give a window of at most {fits:g}{what}.")
    spanned = int(math.floor(W + _EPS))
    f = spanned if frames_per_window is None else int(frames_per_window)
    if spanned < f:
        need = f / scale
        raise ValueError(
            f"{name}: a window of {window:g}{what} spans {spanned} frames"
            + (f" at {rate:g} fps" if unit == "seconds" else "")
            + f", fewer than the {f} frames per window; give a window of at least "
              f"{need:g}{what} (or fewer frames per window).")
    p = W / f  # the grid step, at least one frame
    if S < p - _EPS and n - W >= p - _EPS:  # a second window exists: it would repeat one
        raise ValueError(
            f"{name}: a stride of {S / scale:g}{what} is shorter than the frame grid's step "
            f"(window / frames per window = {p / scale:g}{what}); give a stride of at "
            f"least {p / scale:g}{what}.")
    k0 = _grid_starts(n, W, S, p, last)
    offsets = np.arange(f)
    t = rate if rate > 0 else float("nan")
    out = []
    for k in k0.tolist():
        idx = np.floor((k + offsets) * p + _EPS).astype(np.intp)
        out.append(WindowClip(source, tuple(idx.tolist()), None,
                              start=k * p / t, end=(k * p + W) / t))
    return out
