"""BaseVideoSampler: imbalanced-learn's sampler API over videos, feature sequences and rows."""

from __future__ import annotations

import numpy as np
from imblearn.base import BaseSampler
from imblearn.utils import check_sampling_strategy
from imblearn.utils._validation import ArraysTransformer
from sklearn.base import _fit_context
from sklearn.preprocessing import label_binarize
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight

from ..utils import Substitution, shared_docs
from ._input import check_sampler_input

__all__ = ["BaseVideoSampler"]

#: Docstring entries of the samplers, filled in with :class:`~skvideo_clf.utils.Substitution`.
_sampler_docs = {
    **shared_docs,
    "input_kinds": """Input kinds and what comes out:

    - videos: a list or 1-D object array of paths, uint8 ``(T, H, W, 3)`` arrays or
      :class:`~skvideo_clf.video.Clip` values, or one ``(n, T, H, W, 3)`` uint8 array.
      Out comes a 1-D object array of clips. Nothing is decoded.
    - feature sequences: a ``(n, T, D)`` array, or a list or 1-D object array of
      ``(T_i, D)`` arrays. Out comes an array of the input dtype (NaN is kept).
    - plain rows: a 2-D ``(n_samples, n_features)`` array, sparse matrix or DataFrame,
      taken as sequences of length one (strings and NaN accepted). Out comes the input
      container type, as from imbalanced-learn's own samplers.""",
    "sample_indices_": """sample_indices_ : ndarray of shape (n_samples_resampled,)
        Index of the input sample each output row comes from.""",
    "sample_weight_": """sample_weight_ : ndarray of shape (n_samples_resampled,) or None
        The ``sample_weight`` given to ``fit_resample``, carried to the output rows: each
        row, synthetic ones included, has the weight of its source sample
        (``sample_weight[sample_indices_]``). ``None`` when none was given.""",
    "n_features_in_": """n_features_in_ : int
        Number of features, for 2-D ``(n_samples, n_features)`` input only.""",
    "feature_names_in_": """feature_names_in_ : ndarray of str
        Column names, for DataFrame input only.""",
    # Indented for a method's docstring.
    "X_y": """X : list of videos, array of shape (n, T, D), object array of (T_i, D) arrays, \
                or {array-like, sparse matrix, DataFrame} of shape (n, n_features)
            Videos (paths, uint8 arrays or clips), feature sequences or plain rows.
        y : array-like of shape (n,)
            Labels.""",
}


@Substitution(**_sampler_docs)
class BaseVideoSampler(BaseSampler):
    """Base class of the video samplers: an imbalanced-learn sampler that also takes videos.

    imbalanced-learn's samplers validate ``X`` as one 2-D array. This base validates it
    as videos, feature sequences or rows (see Notes), once, in ``_check_X_y`` (the hook
    imblearn's ``RandomOverSampler`` overrides to accept strings and NaN), and gives the
    tags that go with it. A sampler derived from it implements ``_fit_resample(X, y)``
    as imblearn's own do, except that ``X`` is a
    :class:`~skvideo_clf.sampling._input.SamplerInput`: ``X.kind`` says what was given,
    ``X.data`` holds it validated, and ``X.take(indices)`` selects samples in the output
    form of their kind. It returns ``(X_resampled, y_resampled)`` and sets
    ``sample_indices_``. ``_fit_sampling_strategy(y)`` sets ``sampling_strategy_`` before
    it, with imbalanced-learn's rule unless overridden.

    Warning: This class should not be used directly. Use the derived classes instead.

    Parameters
    ----------
    sampling_strategy : str, dict, float or callable, default="auto"
        With imbalanced-learn's meaning, for the sampler's ``_sampling_type``.

    Attributes
    ----------
    sampling_strategy_ : dict
        What ``_fit_sampling_strategy`` makes of ``sampling_strategy``.
    {sample_indices_}
    {sample_weight_}
    {n_features_in_}
    {feature_names_in_}

    See Also
    --------
    SpatioTemporalOversampler : Synthetic clips by temporal resampling and augmentation.
    BootstrapSampler : Balanced pseudo-batches.

    Notes
    -----
    {input_kinds}

    In an :class:`imblearn.pipeline.Pipeline` a sampler runs in ``fit`` only.

    Sample weights: ``fit_resample(X, y, sample_weight=w)`` returns ``(X_res, y_res)`` as
    always and sets ``sample_weight_``, the weight of every output row (its source's).
    imbalanced-learn's Pipeline cannot pass that on: a sampler step returns ``X`` and
    ``y`` only, so weights routed to a later step would keep the length of the input.
    Resample first, then fit the rest with the carried weights::

        X_res, y_res = sampler.fit_resample(X, y, sample_weight=w)
        make_pipeline(featurizer, clf).fit(X_res, y_res, clf__sample_weight=sampler.sample_weight_)

    Examples
    --------
    A sampler keeping the first sample of each class, for every input kind:

    >>> import numpy as np
    >>> from skvideo_clf.sampling import BaseVideoSampler
    >>> class FirstOfEachClass(BaseVideoSampler):
    ...     _sampling_type = "bypass"
    ...     def _fit_resample(self, X, y):
    ...         self.sample_indices_ = np.unique(y, return_index=True)[1]
    ...         return X.take(self.sample_indices_), y[self.sample_indices_]
    >>> y = ["b", "a", "b", "a"]
    >>> sequences = np.arange(24, dtype=np.float32).reshape(4, 3, 2)
    >>> X_res, y_res = FirstOfEachClass().fit_resample(sequences, y)
    >>> X_res.shape, y_res.tolist()
    ((2, 3, 2), ['a', 'b'])
    >>> videos = [np.zeros((5, 8, 8, 3), dtype=np.uint8) for _ in range(4)]
    >>> clips, _ = FirstOfEachClass().fit_resample(videos, y)
    >>> type(clips[0]).__name__, len(clips)
    ('Clip', 2)
    """

    # imblearn's BaseSampler has none; each sampler lists its own parameters.
    _parameter_constraints: dict = {}

    def _check_X_y(self, X, y):
        """Validate ``X`` as videos, sequences or rows: ``(SamplerInput, y, binarize_y)``."""
        return check_sampler_input(self, X, y)

    def _fit_sampling_strategy(self, y):
        """Set ``sampling_strategy_`` from the validated ``y``, as imbalanced-learn does."""
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type)

    # imblearn's SamplerMixin.fit / fit_resample cannot be used as they are, for two
    # reasons only: they resolve `sampling_strategy_` with a direct call to
    # `check_sampling_strategy`, which knows neither the CNN-ResBiLSTM paper's "paper" rule nor a
    # sampler
    # without `sampling_strategy`, and their output conversion (`ArraysTransformer`) turns
    # the clips or sequences of a list input into (nested) lists. They are written once
    # here, with the same steps, through the `_fit_sampling_strategy` hook and with the
    # conversion kept to 2-D rows.
    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**_sampler_docs)
    def fit(self, X, y, **params):
        """Check the input and compute ``sampling_strategy_``; use ``fit_resample``.

        Parameters
        ----------
        {X_y}
        **params : dict
            Not used; kept for imbalanced-learn's signature.

        Returns
        -------
        self : object
            The sampler.
        """
        check_classification_targets(y)
        _, y, _ = self._check_X_y(X, y)
        self._fit_sampling_strategy(y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @Substitution(**_sampler_docs)
    def fit_resample(self, X, y, *, sample_weight=None, **params):
        """Resample the dataset.

        Parameters
        ----------
        {X_y}
        sample_weight : array-like of shape (n,), default=None
            Weight of each input sample. Not used to resample; carried to the output as
            ``sample_weight_`` (each output row gets its source sample's weight).
        **params : dict
            Passed to ``_fit_resample``, as imbalanced-learn does.

        Returns
        -------
        X_resampled : ndarray of Clip, ndarray of shape (n_resampled, ...) \
                or the container type of 2-D ``X``
            The resampled data, in the output form of the input kind.
        y_resampled : ndarray of shape (n_resampled,)
            Their labels (the container type of ``y`` for 2-D ``X``).
        """
        check_classification_targets(y)
        arrays_transformer = ArraysTransformer(X, y)
        X, y, binarize_y = self._check_X_y(X, y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, np.empty((X.n_samples, 0)), ensure_non_negative=True)
        self._fit_sampling_strategy(y)
        X_res, y_res = self._fit_resample(X, y, **params)
        self.sample_weight_ = (
            None if sample_weight is None else sample_weight[self.sample_indices_])
        if binarize_y:
            y_res = label_binarize(y_res, classes=np.unique(y))
        if X.kind == "rows":
            return arrays_transformer.transform(X_res, y_res)
        return X_res, y_res

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.sampler_tags.sample_indices = True
        return tags
