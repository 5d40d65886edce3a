"""Frame backbones: a network, the preprocessing its weights need, the weights' identity.

* :class:`Preprocessing`: input size, resize and crop rule, interpolation, value range,
  mean and std, channel order;
* :class:`Backbone`: a ``torch.nn.Module`` (frames in, a vector per frame out) with its
  preprocessing and weights digest; :func:`get_backbone` gives the named ones
  (``"inception_v3"``, ``"efficientnet_lite0"``, ``"torchvision:NAME"``, ``"timm:NAME"``,
  ``"open_clip:NAME/TAG"``);
* :class:`FrameFeatureTransformer`: the frame featurizer of any backbone, and
  :func:`cached_backbone`, the one network cache of a process.
"""

from ._backbone import Backbone
from ._preprocessing import Preprocessing
from ._registry import BUILTIN, cached_backbone, get_backbone
from ._transformer import FrameFeatureTransformer

__all__ = ["BUILTIN", "Backbone", "FrameFeatureTransformer", "Preprocessing", "cached_backbone",
           "get_backbone"]
