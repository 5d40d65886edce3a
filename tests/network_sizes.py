"""Parameter counts of networks as the papers give them, without allocating the weights."""

import numpy as np
import torch


def module_on_meta(clf, input_shape, n_classes):
    """The network ``clf`` builds for inputs of ``input_shape`` (an int: features per step;
    a tuple: an image ``(C, H, W)``), on the meta device (shapes, no memory)."""
    shape = (input_shape,) if np.isscalar(input_shape) else tuple(input_shape)
    clf.n_features_in_ = int(np.prod(shape))
    clf.input_shape_ = shape
    clf._set_labels(np.arange(n_classes))
    with torch.device("meta"):
        return clf._build_module()


def n_params(module):
    """Trainable parameters of ``module``."""
    return sum(p.numel() for p in module.parameters() if p.requires_grad)
