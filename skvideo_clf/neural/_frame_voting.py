"""Frame-level classifier with majority voting over a video's frames (seed 002)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval

from ..utils import Substitution
from ._base import SHARED_DOCS, NeuralClassifierBase
from ._modules import FrameMLP

__all__ = ["FrameVotingClassifier"]


def _frames(data):
    seqs, lengths = data
    if isinstance(seqs, np.ndarray):
        return seqs.reshape(-1, seqs.shape[2]), lengths
    return np.concatenate(seqs), lengths


@Substitution(**SHARED_DOCS)
class FrameVotingClassifier(NeuralClassifierBase):
    """Seed 002's first approach: classify every frame, then let the frames vote.

    Training labels every frame with its video's label and fits a frame-level head
    (dropout 0.5, FC + ReLU, dropout 0.5, class layer) on all frames. ``predict`` returns
    the majority vote of a video's frames (ties go to the class of highest averaged
    probability); ``predict_proba`` the frames' averaged probabilities. Frame order is
    ignored, which is what the sequence classifiers improve on.

    Input ``X`` is as for :class:`LSTMClassifier`: ``(n, T, D)``, the ragged form, or
    ``(n, D)`` (one frame per video).

    Parameters
    ----------
    hidden_size : int, default=64
    dropout : float, default=0.5
    {base_parameters} ``batch_size`` counts frames.

    Attributes
    ----------
    {base_attributes}

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> y = np.repeat(["a", "b"], 10)
    >>> X = rng.randn(20, 4, 3).astype("float32") + (y == "b")[:, None, None] * 2
    >>> clf = FrameVotingClassifier(max_epochs=10, random_state=0).fit(X, y)
    >>> clf.predict(X[[0, -1]]).tolist()
    ['a', 'b']
    """

    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, *, hidden_size=64, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.dropout = dropout

    def _build_module(self, **kwargs):
        params = dict(n_features=self.n_features_in_, n_classes=len(self.classes_),
                      hidden_size=self.hidden_size, dropout=self.dropout)
        return FrameMLP(**{**params, **kwargs})

    def _training_data(self, data, y_enc):
        frames, lengths = _frames(data)
        return frames, np.repeat(y_enc, lengths)

    def _loss_labels(self, data, y):
        # the loss sums over frames: with videos of different lengths, "balanced" weighs
        # classes by their frames, not by their videos
        return np.repeat(np.asarray(y), data[1])

    def _frame_proba(self, data):
        frames, lengths = _frames(data)
        return super()._forward_proba(frames), lengths

    def _forward_proba(self, data):
        proba, lengths = self._frame_proba(data)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        return np.add.reduceat(proba, starts, axis=0) / lengths[:, None]

    def predict(self, X):
        """Majority vote of each video's frames.

        Parameters
        ----------
        X : array-like
            Videos in any form ``fit`` takes.

        Returns
        -------
        ndarray of shape (n_videos,)
        """
        proba, lengths = self._frame_proba(self._check_fitted_X(X))
        n_classes = proba.shape[1]
        video = np.repeat(np.arange(len(lengths)), lengths)
        votes = np.zeros((len(lengths), n_classes))
        np.add.at(votes, (video, proba.argmax(axis=1)), 1)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        mean = np.add.reduceat(proba, starts, axis=0) / lengths[:, None]
        # Ties between the most-voted classes go to the higher mean probability.
        score = np.where(votes == votes.max(axis=1, keepdims=True), mean, -1.0)
        return self.classes_[score.argmax(axis=1)]
