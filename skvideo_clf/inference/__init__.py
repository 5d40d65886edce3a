"""Predicting long videos: timelines over time windows, and test-time clip averaging.

- ``_timeline``: :func:`predict_timeline` (a fitted model over the sliding windows of a
  video), the :class:`Timeline` it returns (smoothing, segments, rows) and
  :func:`plot_timeline`;
- ``_clip_averaging``: :class:`ClipAveragingClassifier`, a video predicted from the mean
  probabilities of several clips spread over it.
"""

from ._clip_averaging import ClipAveragingClassifier
from ._timeline import Timeline, frames_per_clip, plot_timeline, predict_timeline

__all__ = [
    "ClipAveragingClassifier",
    "Timeline",
    "frames_per_clip",
    "plot_timeline",
    "predict_timeline",
]
