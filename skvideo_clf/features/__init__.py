"""Frame featurizers: videos -> feature sequences; temporal pooling; the frame cache.

Output forms (shared by every featurizer here):

* fixed length (``sequence_length`` an int): float32 ndarray ``(n_videos, T, ...)``;
* variable length (``sequence_length=None``): a 1-D numpy object array of length
  ``n_videos`` whose items are float32 ``(T_i, ...)`` arrays (sklearn-indexable).

Write a featurizer by subclassing :class:`BaseFrameTransformer` (implement
``_featurize_frames``) or by wrapping a function in :class:`FunctionFrameTransformer`;
run any network (a named backbone, a :class:`Backbone`, a ``torch.nn.Module``) with
:class:`FrameFeatureTransformer`.
"""

from ._backbones import Backbone, FrameFeatureTransformer, Preprocessing, get_backbone
from ._base import BaseFrameTransformer
from ._cache import FrameMemory
from ._decode_pool import shutdown_decode_workers
from ._flow import OpticalFlowTransformer
from ._function import FunctionFrameTransformer
from ._inception import InceptionFrameTransformer, make_frame_featurizer
from ._lowlevel import LowLevelFrameTransformer
from ._maps import square_side, to_square_maps
from ._pooling import TemporalPooling
from ._weights import WeightsUnavailableError, resolve_weights

__all__ = [
    "Backbone",
    "BaseFrameTransformer",
    "FrameFeatureTransformer",
    "FrameMemory",
    "FunctionFrameTransformer",
    "InceptionFrameTransformer",
    "LowLevelFrameTransformer",
    "OpticalFlowTransformer",
    "Preprocessing",
    "TemporalPooling",
    "WeightsUnavailableError",
    "get_backbone",
    "make_frame_featurizer",
    "resolve_weights",
    "shutdown_decode_workers",
    "square_side",
    "to_square_maps",
]
