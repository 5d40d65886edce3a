"""Frame-level classifier with majority voting over a video's frames (the UCF101 thesis)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import TransformerMixin

from ..utils import Substitution, check_sequences, is_ragged, unpadded_lengths
from ..utils.compat.sklearn import Interval
from ._base import SHARED_DOCS, NeuralClassifierBase, _held_out
from ._modules import FrameMLP
from ._steps import StepwiseMixin

__all__ = ["FrameVotingClassifier"]


@Substitution(**SHARED_DOCS)
class FrameVotingClassifier(TransformerMixin, StepwiseMixin, NeuralClassifierBase):
    """The UCF101 thesis' first approach: classify every frame, then let the frames vote.

    Training labels every frame with its video's label and fits a frame-level head
    (dropout, FC + ReLU, dropout, class layer) on all frames. ``predict`` returns the
    majority vote of a video's frames (ties go to the class of highest averaged
    probability); ``predict_proba`` the frames' averaged probabilities; ``transform`` the
    FC layer's activations per frame, the features of the UCF101 thesis' second approach (its
    LSTM). Frame order is ignored, which is what the sequence classifiers improve on.

    Input ``X`` is as for :class:`LSTMClassifier`: ``(n, T, D)``, the ragged form, or
    ``(n, D)`` (one frame per video). **Padding is no frame**: the all-zero steps at the end
    of a sequence (what a featurizer's ``padding="zeros"`` appends; the rule of
    :func:`skvideo_clf.utils.unpadded_lengths`) neither train nor vote, so a video gives the
    same predictions zero-padded to any length as in the ragged form. An all-zero frame
    followed by a real one counts as a frame; a video of zeros only is one frame.

    ``PRESETS["ucf101-thesis"]`` is the thesis' head over InceptionV3's flattened last feature
    maps (``InceptionFrameTransformer(output="maps", input_size=224)``, 5 x 5 x 2048 =
    51,200 features per frame). From the thesis' Section 3.2.1:

    - "add a flattening layer to flatten the InceptionV3 feature maps, then add one fully
      con- / nected layer to reduce the size of the flat feature maps and finally, add a
      softmax / layer with 101 units."; "Each time / step is a feature vector
      which contains 1024 features.": ``hidden_size=1024``.
    - "we added two dropout layers / between the three layers of the appended FFNN with a
      rate of 50%.": ``dropout=0.5`` before and after the FC layer.
    - "Number of trainable parameters 52,533,349" = 51,200 x 1024 + 1024 +
      1024 x 101 + 101: the preset's network over 224 px maps and 101 classes.
    - "Optimizer SGD(learning rate=0.001, / momentum=0.6, nesterov=False)".
    - "Loss function Categorical crossentropy": the library's loss.
    - "The general class for the video is the class that was most repeated among the
      frames / predictions.": ``predict``.
    - "we removed its last softmax and dropout layers, / because we need the new CNN to
      output feature vectors": ``transform``.

    Not stated, hence library choices: the FC activation (ReLU), the batch size (32
    frames) and the number of passes over the frames (the thesis' "223" epochs of 26 s
    each, cannot be full passes over its 598,363 frames).
    InceptionV3 is frozen in the thesis, so training this head on the
    featurizer's maps is the same network.

    Parameters
    ----------
    hidden_size : int, default=64
        Width of the FC layer (the ``transform`` output).
    dropout : float, default=0.5
        Before and after the FC layer.
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
    >>> clf.transform(X).shape  # FC activations per frame: an LSTM's input
    (20, 4, 64)
    >>> FrameVotingClassifier.from_preset("ucf101-thesis").hidden_size
    1024
    """

    PRESETS = {
        # the thesis' frame CNN head and its SGD (Section 3.2.1)
        "ucf101-thesis": dict(hidden_size=1024, dropout=0.5, optimizer=torch.optim.SGD, lr=1e-3,
                        optimizer__momentum=0.6, optimizer__nesterov=False),
    }

    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
    }

    def __init__(self, *, hidden_size=64, dropout=0.5, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.dropout = dropout

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags

    def _prepare_X(self, X):
        # Every later step (training frames, loss labels, votes) reads the real lengths.
        seqs, lengths = check_sequences(X)
        return seqs, unpadded_lengths(seqs, lengths)

    def _build_module(self, **kwargs):
        params = dict(n_features=self.n_features_in_, n_classes=len(self.classes_),
                      hidden_size=self.hidden_size, dropout=self.dropout)
        return FrameMLP(**{**params, **kwargs})

    def predict(self, X):
        """Majority vote of each video's frames (padding steps do not vote).

        Parameters
        ----------
        X : array-like
            Videos in any form ``fit`` takes.

        Returns
        -------
        ndarray of shape (n_videos,)
        """
        if _held_out(X):  # frames (skorch's validation split): each frame's own label
            return NeuralClassifierBase.predict(self, X)
        proba, lengths = self._step_proba(self._check_fitted_X(X))
        n_classes = proba.shape[1]
        video = np.repeat(np.arange(len(lengths)), lengths)
        votes = np.zeros((len(lengths), n_classes))
        np.add.at(votes, (video, proba.argmax(axis=1)), 1)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        mean = np.add.reduceat(proba, starts, axis=0) / lengths[:, None]
        # Ties between the most-voted classes go to the higher mean probability.
        score = np.where(votes == votes.max(axis=1, keepdims=True), mean, -1.0)
        return self.classes_[score.argmax(axis=1)]

    def fit_transform(self, X, y, **fit_params):
        """Fit, then return the FC layer's activations on ``X`` (see :meth:`transform`)."""
        return self.fit(X, y, **fit_params).transform(X)

    def transform(self, X):
        """The FC layer's activations of every frame, in the form of ``X``.

        The UCF101 thesis' second approach feeds these to its LSTM.
        Padding steps stay all-zero steps, so the output is padded as the input was.

        Parameters
        ----------
        X : array-like
            ``(n, T, D)`` gives ``(n, T, hidden_size)``; the ragged form gives a ragged
            object array of ``(T_i, hidden_size)``; ``(n, D)`` gives ``(n, hidden_size)``.

        Returns
        -------
        float32 ndarray
        """
        data = self._check_fitted_X(X)
        ragged = is_ragged(X)
        flat = not ragged and np.asarray(X).ndim == 2  # asarray: array-likes without ndim
        return self._step_activations(self.module_.body, data, ragged=ragged, flat=flat)
