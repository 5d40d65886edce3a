"""Test-time clip averaging: a video predicted from several clips spread over it."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..video import Clip, as_clips, uniform_indices, video_info

__all__ = ["ClipAveragingClassifier"]


class ClipAveragingClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Predict a video by averaging a classifier's probabilities over clips spread over it.

    Test-time clip averaging (MMAction2's ``average_clips``, PyTorchVideo's constant
    clips per video): each video to predict is cut into ``n_clips`` clips, ``estimator``
    predicts every clip as it predicts a video, and the video's probabilities are the mean
    of its clips'. All clips of all videos go to ``estimator.predict_proba`` in one call,
    so a featurizer decodes each video once for all its clips.

    **Clips.** Clip ``j`` of ``n_clips`` spans ``n_frames / n_clips`` consecutive frames:
    with ``sampling="uniform"`` the clips tile the video (clip ``j`` starts at
    ``j * n_frames / n_clips``); with ``"random"`` their starts are drawn uniformly
    (``random_state``). A clip offers ``frames_per_clip`` evenly spaced frames of its span,
    or every frame of it (``None``), and the estimator's featurizer samples its own
    ``sequence_length`` among those it is offered (only those it keeps are decoded). A
    :class:`~skvideo_clf.video.Clip` with frame indices is cut along its own frames.

    **Fitting.** ``fit_on="videos"`` (the default) fits ``estimator`` on whole videos as
    without this wrapper: only prediction averages. ``fit_on="clips"`` fits it on the
    clips of every training video (each with its video's label and sample weight), so that
    it learns from what it will predict.

    Parameters
    ----------
    estimator : estimator
        A classifier of videos (a pipeline with a featurizer) with ``predict_proba``.
    n_clips : int, default=5
        Clips per video.
    sampling : {"uniform", "random"}, default="uniform"
        Where clips start (above).
    frames_per_clip : int or None, default=None
        Frames a clip offers (above).
    fit_on : {"videos", "clips"}, default="videos"
        What ``estimator`` is fitted on (above).
    random_state : int, RandomState instance or None, default=None
        Draws the clips of ``sampling="random"``; an int gives the same clips on every
        call.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        The fitted estimator's classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling
    >>> from skvideo_clf.inference import ClipAveragingClassifier
    >>> def mean_rgb(frames):
    ...     return frames.mean(axis=(1, 2))
    >>> rng = np.random.default_rng(0)
    >>> videos = [rng.integers(0, 100, (12, 8, 8, 3), dtype=np.uint8) + 100 * (i % 2)
    ...           for i in range(8)]
    >>> y = ["dark", "bright"] * 4
    >>> pipe = make_pipeline(FunctionFrameTransformer(mean_rgb, sequence_length=2),
    ...                      TemporalPooling(), LogisticRegression())
    >>> clf = ClipAveragingClassifier(pipe, n_clips=3).fit(videos, y)
    >>> clf.predict(videos[:2]).tolist()
    ['dark', 'bright']
    >>> clf.predict_proba(videos[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "n_clips": [Interval(Integral, 1, None, closed="left")],
        "sampling": [StrOptions({"uniform", "random"})],
        "frames_per_clip": [Interval(Integral, 1, None, closed="left"), None],
        "fit_on": [StrOptions({"videos", "clips"})],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, *, n_clips=5, sampling="uniform", frames_per_clip=None,
                 fit_on="videos", random_state=None):
        self.estimator = estimator
        self.n_clips = n_clips
        self.sampling = sampling
        self.frames_per_clip = frames_per_clip
        self.fit_on = fit_on
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, **fit_params):
        """Fit a clone of ``estimator`` on the videos (or their clips, see ``fit_on``).

        Parameters
        ----------
        X : list of videos
            Paths, ``(T, H, W, 3)`` uint8 arrays or clips.
        y : array-like of shape (n_videos,)
            Labels.
        **fit_params : dict
            Passed to ``estimator.fit``; with ``fit_on="clips"``, those of length
            ``n_videos`` (sample weights) are repeated for each clip.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        self.estimator_ = clone(self.estimator)
        if self.fit_on == "clips":
            clips = as_clips(X)
            y = np.asarray(y)
            if len(y) != len(clips):
                raise ValueError(f"X has {len(clips)} videos but y has {len(y)} labels.")
            X, owner = self._clips(clips, check_random_state(self.random_state))
            y = y[owner]
            fit_params = {k: (np.asarray(v)[owner] if _per_sample(v, len(clips)) else v)
                          for k, v in fit_params.items()}
        self.estimator_.fit(X, y, **fit_params)
        self.classes_ = self.estimator_.classes_
        return self

    def predict_proba(self, X):
        """Mean class probabilities of each video's clips.

        Parameters
        ----------
        X : list of videos
            Paths, ``(T, H, W, 3)`` uint8 arrays or clips.

        Returns
        -------
        proba : ndarray of shape (n_videos, n_classes)
        """
        check_is_fitted(self)
        clips = as_clips(X)
        all_clips, owner = self._clips(clips, check_random_state(self.random_state))
        proba = np.asarray(self.estimator_.predict_proba(all_clips), dtype=float)
        out = np.zeros((len(clips), proba.shape[1]))
        np.add.at(out, owner, proba)
        return out / np.bincount(owner, minlength=len(clips))[:, None]

    def predict(self, X):
        """The class of highest mean probability over each video's clips.

        Parameters
        ----------
        X : list of videos
            Paths, ``(T, H, W, 3)`` uint8 arrays or clips.

        Returns
        -------
        y : ndarray of shape (n_videos,)
        """
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def _clips(self, clips, rng):
        """All clips of all videos, and the position of each one's video."""
        out, owner = [], []
        for pos, clip in enumerate(clips):
            if clip.frame_indices is None:
                frames = np.arange(video_info(clip.source).n_frames)
                for idx in self._spans(len(frames), rng):
                    out.append(Clip(clip.source, tuple(frames[idx].tolist()),
                                    clip.augmentation))
                    owner.append(pos)
            else:  # take() keeps each frame's own augmentation
                for idx in self._spans(len(clip.frame_indices), rng):
                    out.append(clip.take(idx))
                    owner.append(pos)
        return out, np.asarray(owner, dtype=np.intp)

    def _spans(self, n, rng):
        """Positions (into a video's ``n`` frames) of each of its clips' frames."""
        size = max(1, n // self.n_clips)
        if self.sampling == "uniform":
            starts = np.floor(np.arange(self.n_clips) * n / self.n_clips).astype(np.intp)
        else:
            starts = rng.randint(0, n - size + 1, size=self.n_clips)
        starts = np.minimum(starts, n - size)
        for s in starts.tolist():
            span = np.arange(s, s + size)
            if self.frames_per_clip is not None:
                span = span[uniform_indices(size, self.frames_per_clip)]
            yield span

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # videos in, not 2-D rows: tests/test_common.py checks it on tiny videos
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = False
        return tags


def _per_sample(value, n) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, dict)) and len(value) == n
