"""The small two-convolution CNN of the bootstrapping CNN paper on 18x18 feature maps."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.utils.validation import check_array

from ..features import square_side, to_square_maps
from ..sampling import BalancedDataLoader
from ..utils import Substitution
from ..utils.compat.sklearn import StrOptions
from ._base import SHARED_DOCS, NeuralClassifierBase
from ._batching import _writable
from ._modules import ACTIVATIONS, FeatureMapCNN

__all__ = ["FeatureMapCNNClassifier"]


@Substitution(**SHARED_DOCS)
class FeatureMapCNNClassifier(NeuralClassifierBase):
    """The bootstrapping CNN paper Table III: conv 6@3x3 -> 6x16x16, conv 9@3x3 -> 9x14x14, no
    pooling, class
    layer, on 18x18 maps of low-level features (PCA to 324 = 18x18).

    Input: 2-D ``(n, D)`` rows laid out row-major on the smallest square of side
    ``ceil(sqrt(D))`` (at least 5), zero-padded (``D = 324`` gives the paper's 18x18);
    ``(n, H, W)`` single-channel maps; or ``(n, C, H, W)``. It is meant to train on the
    balanced batches of :class:`skvideo_clf.sampling.BootstrapSampler` (pass a batch sampler
    as ``iterator_train__batch_sampler``, or use ``iterator_train=BalancedDataLoader``).

    ``PRESETS["bootstrap-cnn"]`` follows the paper:

    - Table III, "Convolution 1 / Convolution 2 / Output", "6*3*3 / 9*3*3", "6*16*16 /
      9*14*14 / 2": ``channels=(6, 9)``; on 18x18 maps and 2 classes the network
      has 60 + 495 + 3,530 = 4,085 parameters.
    - "the pooling layers are removed because the / low-level features are not always
      stationary": no pooling.
    - "the activation function f is / commonly chosen to be the logistic (sigmoid)
      function": ``activation="sigmoid"``. The sentence describes CNNs in
      general (Sec. III.A.1); Table III names no activation.
    - "we set the batch / size twice bigger than the number of positive training
      instances." and the bootstrapped balanced batches (Sec. III.B):
      ``iterator_train=BalancedDataLoader, iterator_train__batch_size=None``, new batches
      every epoch (one pass ``I = 1`` per epoch; the paper does not state ``I``).

    The optimizer, learning rate, epochs and weight initialisation are not stated in the
    paper: the preset keeps the library's defaults (Adam, lr 1e-2, 30 epochs).

    Parameters
    ----------
    channels : tuple of int, default=(6, 9)
        Output channels of the two 3x3 convolutions.
    activation : {{"relu", "sigmoid", "tanh"}}, default="relu"
        After each convolution (the bootstrapping CNN paper: the logistic sigmoid).
    {base_parameters}

    Attributes
    ----------
    {base_attributes}
    map_shape_ : tuple of int
        ``(C, H, W)`` of the maps the network reads.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(30, 324).astype("float32")
    >>> y = (X[:, :10].sum(axis=1) > 0).astype(int)
    >>> clf = FeatureMapCNNClassifier(max_epochs=5, random_state=0).fit(X, y)
    >>> clf.map_shape_
    (1, 18, 18)
    >>> [tuple(m.weight.shape) for m in clf.module_.body if hasattr(m, "weight")]
    [(6, 1, 3, 3), (9, 6, 3, 3)]
    """

    PRESETS = {
        # the bootstrapping CNN paper: Table III, sigmoid, batch of twice the positives
        "bootstrap-cnn": dict(channels=(6, 9), activation="sigmoid",
                        iterator_train=BalancedDataLoader, iterator_train__batch_size=None),
    }

    _input_kind = "image"
    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "channels": [tuple, list],
        "activation": [StrOptions(set(ACTIVATIONS))],
    }

    def __init__(self, *, channels=(6, 9), activation="relu", **kwargs):
        super().__init__(**kwargs)
        self.channels = channels
        self.activation = activation

    def _prepare_X(self, X):
        X = check_array(X, dtype=np.float32, allow_nd=True)
        if X.ndim not in (2, 3, 4):
            raise ValueError(f"X has shape {X.shape}; expected (n, D), (n, H, W) or "
                             "(n, C, H, W).")
        if X.ndim > 2 and min(X.shape[-2:]) < 5:
            raise ValueError(f"Maps of X are {X.shape[-2:]}; two 3x3 convolutions without "
                             "padding need maps of at least 5x5.")
        return _writable(X)

    def _map_shape(self, shape):
        if len(shape) == 1:
            side = square_side(shape[0], min_side=5)  # two 3x3 convolutions need 5x5
            return (1, side, side)
        if len(shape) == 2:
            return (1, *shape)
        return tuple(shape)

    def _to_model_input(self, X):
        c, h, w = self._map_shape(X.shape[1:])
        if X.ndim == 2:
            return to_square_maps(X, side=h)[:, None]
        return X.reshape(len(X), c, h, w)

    def _build_module(self, **kwargs):
        self.map_shape_ = self._map_shape(self.input_shape_)
        c, h, w = self.map_shape_
        if h != w:
            raise ValueError(f"Maps must be square; X has {h}x{w} maps.")
        channels = tuple(int(ch) for ch in self.channels)
        if not all(isinstance(ch, Integral) and ch > 0 for ch in self.channels):
            raise ValueError(f"channels must be positive integers, got {self.channels!r}.")
        params = dict(n_classes=len(self.classes_), map_size=h, in_channels=c,
                      channels=channels, activation=self.activation)
        return FeatureMapCNN(**{**params, **kwargs})
