"""Timelines: a fitted model's predictions over the time windows of a long video."""

from __future__ import annotations

import os
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions, validate_params

from ..metrics import new_figure
from ..video import LAST_WINDOW, sliding_windows

__all__ = ["Timeline", "frames_per_clip", "plot_timeline", "predict_timeline"]


@dataclass(frozen=True, eq=False)  # arrays: compare their fields with numpy
class Timeline:
    """Class probabilities of one video over time windows (see :func:`predict_timeline`).

    Parameters
    ----------
    video : str
        The video's name (its path, for files).
    start, end : ndarray of shape (n_windows,)
        Each window's start and end, in seconds.
    proba : ndarray of shape (n_windows, n_classes)
        Each window's class probabilities.
    classes : ndarray of shape (n_classes,)
        The model's ``classes_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.inference import Timeline
    >>> tl = Timeline("v.mp4", np.array([0., 1., 2.]), np.array([2., 3., 4.]),
    ...               np.array([[.9, .1], [.4, .6], [.2, .8]]), np.array(["a", "b"]))
    >>> tl.labels.tolist()
    ['a', 'b', 'b']
    >>> [(s["start"], s["end"], s["label"]) for s in tl.segments()]
    [(0.0, 1.5, 'a'), (1.5, 4.0, 'b')]
    """

    video: str
    start: np.ndarray
    end: np.ndarray
    proba: np.ndarray
    classes: np.ndarray

    def __len__(self):
        return len(self.start)

    @property
    def labels(self) -> np.ndarray:
        """The top class of each window, shape ``(n_windows,)``."""
        return np.asarray(self.classes)[np.argmax(self.proba, axis=1)]

    @property
    def centers(self) -> np.ndarray:
        """The middle of each window, in seconds."""
        return (np.asarray(self.start) + np.asarray(self.end)) / 2

    def smooth(self, k: int) -> Timeline:
        """The moving mean of the probabilities over ``k`` windows (labels follow).

        Window ``i`` gets the mean probabilities of the ``k`` windows centred on it
        (``i - (k - 1) // 2`` to ``i + k // 2``), fewer at the two ends of the video where
        fewer exist; its label is the top class of the mean. A label that holds for fewer
        than about ``k / 2`` windows in a row between two stretches of another one is
        smoothed away. ``k=1`` changes nothing.

        Parameters
        ----------
        k : int
            Windows per mean, at least 1.

        Returns
        -------
        timeline : Timeline
            Same windows, smoothed probabilities.

        Examples
        --------
        >>> import numpy as np
        >>> from skvideo_clf.inference import Timeline
        >>> p = np.array([[1., 0.], [1., 0.], [0., 1.], [1., 0.], [1., 0.]])
        >>> tl = Timeline("v", np.arange(5.), np.arange(5.) + 1, p, np.array([0, 1]))
        >>> tl.labels.tolist(), tl.smooth(3).labels.tolist()
        ([0, 0, 1, 0, 0], [0, 0, 0, 0, 0])
        >>> tl.smooth(3).proba[2].round(3).tolist()
        [0.667, 0.333]
        """
        if not isinstance(k, Integral) or k < 1:
            raise ValueError(f"k must be a positive integer (windows per mean), got {k!r}.")
        proba = np.asarray(self.proba, dtype=float)
        n = len(proba)
        csum = np.vstack([np.zeros((1, proba.shape[1])), np.cumsum(proba, axis=0)])
        i = np.arange(n)
        lo = np.clip(i - (k - 1) // 2, 0, n)
        hi = np.clip(i + k // 2 + 1, 0, n)
        mean = (csum[hi] - csum[lo]) / (hi - lo)[:, None]
        return Timeline(self.video, self.start, self.end, mean, self.classes)

    def segments(self) -> list[dict]:
        """Consecutive windows with one label, merged: one row per stretch of a label.

        Windows overlap, so a segment is bounded by the middle between the centres of the
        last window of one label and the first of the next: the segments tile the video
        from the first window's start to the last window's end without overlapping, and
        a change of class shows within a stride of where the windows' labels change.

        Returns
        -------
        segments : list of dict
            ``start``, ``end`` (seconds), ``label``, ``probability`` (the mean probability
            of the label over its windows) and ``windows`` (how many), in time order.
        """
        labels = self.labels
        centers = self.centers
        proba = np.asarray(self.proba)
        column = {c: j for j, c in enumerate(np.asarray(self.classes).tolist())}
        change = np.flatnonzero(labels[1:] != labels[:-1]) + 1
        firsts = np.r_[0, change]
        lasts = np.r_[change - 1, len(labels) - 1]
        out = []
        for a, b in zip(firsts.tolist(), lasts.tolist(), strict=True):
            start = float(self.start[0]) if a == 0 else float((centers[a - 1] + centers[a]) / 2)
            end = (float(self.end[-1]) if b == len(labels) - 1
                   else float((centers[b] + centers[b + 1]) / 2))
            label = labels[a].item() if hasattr(labels[a], "item") else labels[a]
            out.append({"start": start, "end": end, "label": label,
                        "probability": float(proba[a:b + 1, column[label]].mean()),
                        "windows": b - a + 1})
        return out

    def rows(self) -> list[dict]:
        """One dict per window: ``start``, ``end``, ``label``, ``probability``, ``p_<class>``.

        The columns of ``skvideo-clf predict`` (without the video's name).
        """
        labels = self.labels
        proba = np.asarray(self.proba, dtype=float)
        classes = [str(c) for c in np.asarray(self.classes).tolist()]
        top = proba.max(axis=1)
        return [{"start": float(s), "end": float(e), "label": str(lab),
                 "probability": float(t),
                 **{f"p_{c}": float(pc) for c, pc in zip(classes, p, strict=True)}}
                for s, e, lab, t, p in zip(self.start, self.end, labels, top, proba,
                                           strict=True)]


def frames_per_clip(model):
    """The frames per video a fitted model reads: its featurizer's ``sequence_length``.

    The first step of a pipeline (or the model itself) with an integer
    ``sequence_length`` and a ``transform``; ``None`` when there is none (a
    variable-length featurizer reads what it is given).

    Parameters
    ----------
    model : estimator
        A pipeline or estimator.

    Returns
    -------
    n : int or None

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling
    >>> from skvideo_clf.inference import frames_per_clip
    >>> def mean_rgb(frames):
    ...     return frames.mean(axis=(1, 2))
    >>> pipe = make_pipeline(FunctionFrameTransformer(mean_rgb, sequence_length=8),
    ...                      TemporalPooling(), LogisticRegression())
    >>> frames_per_clip(pipe)
    8
    """
    steps = [s for _, s in getattr(model, "steps", [])] or [model]
    for step in steps:
        length = getattr(step, "sequence_length", None)
        if isinstance(length, Integral) and hasattr(step, "transform"):
            return int(length)
    return None


@validate_params(
    {
        "model": [HasMethods(["predict_proba"])],
        "video": "no_validation",  # sliding_windows validates it
        "window": [Interval(Real, 0, None, closed="neither")],
        "stride": [Interval(Real, 0, None, closed="neither"), None],
        "unit": [StrOptions({"seconds", "frames"})],
        "frames_per_window": [Interval(Integral, 1, None, closed="left"),
                              StrOptions({"model"}), None],
        "last": [StrOptions(set(LAST_WINDOW))],
        "fps": [Interval(Real, 0, None, closed="neither"), None],
        "batch_windows": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def predict_timeline(model, video, window, stride=None, *, unit="seconds",
                     frames_per_window="model", last="align", fps=None,
                     batch_windows=256) -> Timeline:
    """Class probabilities of a video over sliding time windows: its timeline.

    The video is cut by :func:`~skvideo_clf.video.sliding_windows` into window clips on one
    frame grid, and ``model.predict_proba`` predicts them as it predicts videos, up to
    ``batch_windows`` windows per call. A frame shared by overlapping windows of one call
    is decoded and computed once (the featurizer takes the distinct frames of a call in
    one pass, seeking forward through the file); frames are streamed, never the video
    held, and memory is bounded by ``batch_windows``, whatever the video's length. A
    frame shared by the last windows of one call and the first of the next is computed
    in both (``frames_per_window`` minus the stride's frames, per call), unless the
    featurizer has a frame cache (``memory``).

    Parameters
    ----------
    model : estimator
        A fitted pipeline (featurizer, classifier) with ``predict_proba`` and
        ``classes_``.
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video.
    window, stride : float
        As :func:`~skvideo_clf.video.sliding_windows` (``stride=None``: half the window).
    unit : {"seconds", "frames"}, default="seconds"
        The unit of ``window`` and ``stride``.
    frames_per_window : int, "model" or None, default="model"
        Frames each window takes. ``"model"``: the frames the model reads per video (its
        featurizer's ``sequence_length``, see :func:`frames_per_clip`), so that windows
        share frames; ``None``: every frame of a window.
    last : {"align", "drop"}, default="align"
        The tail after the last full window (see :func:`~skvideo_clf.video.sliding_windows`).
    fps : float or None, default=None
        The frame rate; required for seconds with in-memory videos.
    batch_windows : int, default=256
        Windows per ``predict_proba`` call.

    Returns
    -------
    timeline : Timeline
        One row of probabilities per window.

    Raises
    ------
    ValueError
        A window that does not fit (see :func:`~skvideo_clf.video.sliding_windows`),
        before anything is decoded.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling
    >>> from skvideo_clf.inference import predict_timeline
    >>> def mean_rgb(frames):
    ...     return frames.mean(axis=(1, 2))
    >>> red, blue = np.zeros((2, 8, 8, 8, 3), np.uint8)
    >>> red[..., 0], blue[..., 2] = 200, 200
    >>> model = make_pipeline(FunctionFrameTransformer(mean_rgb, sequence_length=4),
    ...                       TemporalPooling(), LogisticRegression())
    >>> model = model.fit([red, blue], ["red", "blue"])
    >>> video = np.concatenate([red[[0] * 45], blue[[0] * 35]])  # blue from 4.5 s at 10 fps
    >>> tl = predict_timeline(model, video, 2, 1, fps=10)
    >>> tl.start.tolist(), tl.labels.tolist()
    ([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], ['red', 'red', 'red', 'red', 'blue', 'blue', 'blue'])
    >>> [(s["start"], s["end"], s["label"]) for s in tl.segments()]
    [(0.0, 4.5, 'red'), (4.5, 8.0, 'blue')]
    """
    if isinstance(frames_per_window, str):
        frames_per_window = frames_per_clip(model)
    windows = sliding_windows(video, window, stride, unit=unit,
                              frames_per_window=frames_per_window, last=last, fps=fps)
    parts = [np.asarray(model.predict_proba(windows[i:i + batch_windows]), dtype=float)
             for i in range(0, len(windows), batch_windows)]
    return Timeline(str(windows[0].source), np.array([w.start for w in windows]),
                    np.array([w.end for w in windows]), np.concatenate(parts),
                    np.asarray(model.classes_))


def plot_timeline(timeline, ax=None):
    """Draw a timeline: each class's probability over time, the top label as a band.

    Parameters
    ----------
    timeline : Timeline
        From :func:`predict_timeline`.
    ax : matplotlib.axes.Axes or None, default=None
        Where to draw; ``None``: a new figure (:func:`~skvideo_clf.metrics.new_figure`).

    Returns
    -------
    ax : matplotlib.axes.Axes
        Probabilities (lines at the windows' centres) from 0 to 1, and below them a band
        coloured by the top label of each segment, in its class's line colour.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.inference import Timeline, plot_timeline
    >>> tl = Timeline("v", np.array([0., 1.]), np.array([2., 3.]),
    ...               np.array([[.8, .2], [.3, .7]]), np.array(["a", "b"]))
    >>> ax = plot_timeline(tl)
    >>> len(ax.get_lines()), ax.get_xlabel()
    (2, 'time (s)')
    """
    if ax is None:
        _, ax = new_figure((8, 3))
    classes = [str(c) for c in np.asarray(timeline.classes).tolist()]
    colours = {}
    for j, c in enumerate(classes):
        (line,) = ax.plot(timeline.centers, np.asarray(timeline.proba)[:, j], label=c,
                          linewidth=1.2)
        colours[c] = line.get_color()
    for seg in timeline.segments():
        ax.axvspan(seg["start"], seg["end"], ymin=0.0, ymax=0.08,
                   color=colours[str(seg["label"])], linewidth=0)
    ax.set_ylim(-0.1, 1.02)
    ax.set_xlim(float(timeline.start[0]), float(timeline.end[-1]))
    ax.set_xlabel("time (s)")
    ax.set_ylabel("probability")
    ax.set_title(f"{os.path.basename(timeline.video) or timeline.video} (band: top label)",
                 fontsize="medium")
    ax.legend(loc="upper right", fontsize="small", ncols=min(len(classes), 4))
    return ax
