"""Frame featurizers: videos -> feature sequences; temporal pooling; the frame cache.

Output forms (shared by every featurizer here):

* fixed length (``sequence_length`` an int): float32 ndarray ``(n_videos, T, ...)``;
* variable length (``sequence_length=None``): a 1-D numpy object array of length
  ``n_videos`` whose items are float32 ``(T_i, ...)`` arrays (sklearn-indexable).
"""

from ._flow import OpticalFlowTransformer
from ._inception import InceptionFrameTransformer
from ._lowlevel import LowLevelFrameTransformer
from ._pooling import TemporalPooling

__all__ = [
    "InceptionFrameTransformer",
    "LowLevelFrameTransformer",
    "OpticalFlowTransformer",
    "TemporalPooling",
]
