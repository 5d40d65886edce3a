"""Kernel and fusion baselines of the hybrid framework's Table 2, as scikit-learn classifiers.

Inputs are video-level features (e.g. :class:`skvideo_clf.features.TemporalPooling`
output) whose streams are column blocks named with :mod:`skvideo_clf.streams`. Build the
multi-stream matrix with :class:`sklearn.pipeline.FeatureUnion` of one featurizer per
stream (its blocks come out in the order given) and name the blocks with
:func:`skvideo_clf.streams.streams_from_sizes`; no dedicated transformer is needed.
(``FeatureUnion`` joins blocks with ``np.hstack``, i.e. along axis 1: right for
video-level ``(n, D)`` features, wrong for ``(n, T, D)`` sequences, which it would join
along time; join sequence streams with ``np.concatenate(blocks, axis=-1)``.)

- :class:`Chi2SVC`: SVM on one stream's chi2 kernel (Spatial SVM, Motion SVM).
- :class:`EarlyFusionSVC`: SVM on the average of per-stream chi2 kernels (SVM-EF).
- :class:`MKLClassifier`: lp-norm multiple kernel learning (SVM-MKL, p=2).
- :class:`LateFusionClassifier`: averaged probabilities of any per-stream classifiers,
  with fixed or cross-validated weights (SVM-LF, NN-LF, the hybrid framework).
- NN early fusion (NN-EF): a neural classifier on the concatenated streams, i.e. a
  Pipeline, see the :class:`EarlyFusionSVC` example.
"""

from ._chi2_svc import Chi2SVC
from ._early_fusion import EarlyFusionSVC
from ._kernels import chi2_distances, chi2_gamma, mean_chi2_distance
from ._late_fusion import LateFusionClassifier
from ._mkl import MKLClassifier

__all__ = [
    "Chi2SVC",
    "EarlyFusionSVC",
    "LateFusionClassifier",
    "MKLClassifier",
    "chi2_distances",
    "chi2_gamma",
    "mean_chi2_distance",
]
