"""Neural video classifiers as skorch estimators that behave as scikit-learn classifiers.

Torch modules live in :mod:`skvideo_clf.neural._modules`; the estimators build on
:class:`NeuralClassifierBase`.
"""

from ..utils import check_sequences
from ._base import NeuralClassifierBase
from ._batching import LengthBucketBatchSampler, pad_collate
from ._feature_map_cnn import FeatureMapCNNClassifier
from ._frame_voting import FrameVotingClassifier
from ._framestack import FrameStack, MixedTargetLoss
from ._fusion_net import FusionNetClassifier
from ._head_only import HeadOnlyTraining
from ._losses import (
    LOSSES,
    DeferredReweighting,
    FocalLoss,
    LDAMLoss,
    LogitAdjustedLoss,
    SigmoidFocalLoss,
    effective_number_weights,
    ldam_margins,
)
from ._modules import prox_l21_l11
from ._motion_cnn import MotionCNNClassifier
from ._sequence import LSTMClassifier, ResBiLSTMClassifier

__all__ = [
    "DeferredReweighting",
    "FocalLoss",
    "FrameStack",
    "LDAMLoss",
    "LOSSES",
    "LogitAdjustedLoss",
    "MixedTargetLoss",
    "SigmoidFocalLoss",
    "effective_number_weights",
    "ldam_margins",
    "FeatureMapCNNClassifier",
    "FrameVotingClassifier",
    "FusionNetClassifier",
    "HeadOnlyTraining",
    "MotionCNNClassifier",
    "LSTMClassifier",
    "LengthBucketBatchSampler",
    "NeuralClassifierBase",
    "ResBiLSTMClassifier",
    "check_sequences",
    "pad_collate",
    "prox_l21_l11",
]
