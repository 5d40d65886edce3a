"""The torch modules behind the skorch estimators of :mod:`skvideo_clf.neural`.

Every module returns logits (the estimators train them with ``CrossEntropyLoss``) and
keeps its class layer as ``self.head`` so that :meth:`refit_head` can swap it for a new
set of classes (the low-complexity RNN paper's transfer learning).
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import PackedSequence, pack_padded_sequence

__all__ = [
    "CNNM2048",
    "FeatureMapCNN",
    "FrameMLP",
    "FusionModule",
    "MotionCNN",
    "ResBiLSTMModule",
    "SequenceLSTMModule",
    "prox_l21_l11",
]


def _map_packed(fn, seq):
    # PackedSequence keeps its valid steps in ``.data``: element-wise ops (dropout, the
    # residual sum) act on it directly, with no padding to mask.
    if isinstance(seq, PackedSequence):
        return seq._replace(data=fn(seq.data))
    return fn(seq)


def _pack(x, lengths):
    """Pack a padded batch, or return it as is when no sequence is padded."""
    lengths = lengths.to("cpu")
    if bool((lengths == x.shape[1]).all()):
        return x, None
    return pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False), lengths


def _last_steps(out, lengths, bidirectional):
    """Output at the last valid step of each sequence, per direction.

    The forward direction ends at ``length - 1``; the backward one ends at step 0 (it has
    read the whole sequence there), as ``h_n`` of ``nn.LSTM`` reports them.
    """
    n, t, width = out.shape
    if lengths is None:
        idx = torch.full((n,), t - 1, dtype=torch.long, device=out.device)
    else:
        idx = (lengths - 1).to(out.device)
    last = out[torch.arange(n, device=out.device), idx]
    if not bidirectional:
        return last
    half = width // 2
    return torch.cat([last[:, :half], out[:, 0, half:]], dim=1)


def _unpack(seq, total_length):
    if isinstance(seq, PackedSequence):
        from torch.nn.utils.rnn import pad_packed_sequence

        return pad_packed_sequence(seq, batch_first=True, total_length=total_length)[0]
    return seq


class SequenceLSTMModule(nn.Module):
    """Stacked (Bi)LSTM, last-step output, optional FC layer, class layer.

    Parameters
    ----------
    n_features, n_classes : int
    hidden_sizes : tuple of int
        One LSTM per entry (the hybrid framework paper: ``(1024, 512)``), so widths may differ per
        layer.
    bidirectional : bool
    dropout : float
        Between LSTM layers and before the class layer (the UCF101 thesis: 0.2 / 0.5 there).
    fc_size : int or None
        A ReLU layer of this width before the class layer.
    head_dropout : float or None
        Dropout before the class layer; ``None`` uses ``dropout``.
    input_dropout : float
        Dropout on the inputs of the first LSTM, as Keras' ``LSTM(dropout=...)`` (the UCF101
        thesis: 0.2): one mask per sequence, shared by all its steps, so a dropped feature is
        dropped for the whole sequence and zero padding stays zero.
    """

    def __init__(self, n_features, n_classes, hidden_sizes=(64,), bidirectional=False,
                 dropout=0.0, fc_size=None, head_dropout=None, input_dropout=0.0):
        super().__init__()
        self.input_dropout = float(input_dropout)
        self.bidirectional = bool(bidirectional)
        mult = 2 if self.bidirectional else 1
        layers, width = [], n_features
        for h in hidden_sizes:
            layers.append(nn.LSTM(width, int(h), batch_first=True,
                                  bidirectional=self.bidirectional))
            width = mult * int(h)
        self.lstms = nn.ModuleList(layers)
        self.dropout = nn.Dropout(dropout)
        body = []
        if fc_size:
            body += [nn.Linear(width, int(fc_size)), nn.ReLU()]
            width = int(fc_size)
        body.append(nn.Dropout(dropout if head_dropout is None else head_dropout))
        self.body = nn.Sequential(*body)
        self.head = nn.Linear(width, n_classes)

    def features(self, x, lengths):
        if self.training and self.input_dropout > 0:
            mask = x.new_ones(x.shape[0], 1, x.shape[2])
            x = x * nn.functional.dropout(mask, self.input_dropout, training=True)
        seq, lengths_cpu = _pack(x, lengths)
        h_n = None
        for i, lstm in enumerate(self.lstms):
            if i:
                seq = _map_packed(self.dropout, seq)
            seq, (h_n, _) = lstm(seq)
        # h_n holds each direction's state after its last valid step (packing makes it so).
        if self.bidirectional:
            return torch.cat([h_n[-2], h_n[-1]], dim=1)
        return h_n[-1]

    def forward(self, x, lengths):
        return self.head(self.body(self.features(x, lengths)))


class ResBiLSTMModule(nn.Module):
    """Residual bidirectional LSTM of the CNN-ResBiLSTM paper (section IV-B).

    ``h_0 = BiLSTM_0(x)``, ``h_l = BiLSTM_l(h_{l-1}) + h_{l-1}`` for ``l >= 1`` (the shortcut
    adds the previous BiLSTM output to the output, not to the memory cell), then the last
    element, batch normalization, FC ``fc_size`` + ReLU, dropout ``fc_dropout``, class layer.
    ``dropout`` acts on each BiLSTM layer's output, after its shortcut sum, so the next
    layer and the next shortcut read the dropped-out sequence: "Dropout is also directly
    added to each bidirectional LSTM layer" (the CNN-ResBiLSTM paper, Section IV-B).
    """

    def __init__(self, n_features, n_classes, hidden_size=64, n_layers=2, dropout=0.0,
                 fc_size=64, fc_dropout=0.5):
        super().__init__()
        h = int(hidden_size)
        self.lstms = nn.ModuleList(
            nn.LSTM(n_features if i == 0 else 2 * h, h, batch_first=True, bidirectional=True)
            for i in range(int(n_layers))
        )
        self.dropout = nn.Dropout(dropout)
        self.norm = nn.BatchNorm1d(2 * h)
        self.fc = nn.Sequential(nn.Linear(2 * h, int(fc_size)), nn.ReLU(), nn.Dropout(fc_dropout))
        self.head = nn.Linear(int(fc_size), n_classes)

    def features(self, x, lengths):
        seq, lengths_cpu = _pack(x, lengths)
        prev = None
        for lstm in self.lstms:
            out, _ = lstm(seq if prev is None else prev)
            if prev is not None:
                out = out._replace(data=out.data + prev.data) if isinstance(
                    out, PackedSequence) else out + prev
            prev = _map_packed(self.dropout, out)
        last = _last_steps(_unpack(prev, x.shape[1]), lengths_cpu, bidirectional=True)
        if self.training and last.shape[0] == 1:
            # Batch statistics of one sample are undefined; a lone last mini-batch uses the
            # running statistics instead of failing the whole epoch.
            return nn.functional.batch_norm(last, self.norm.running_mean, self.norm.running_var,
                                            self.norm.weight, self.norm.bias, training=False)
        return self.norm(last)

    def forward(self, x, lengths):
        return self.head(self.fc(self.features(x, lengths)))


class FrameMLP(nn.Module):
    """Frame-level head of the UCF101 thesis: dropout, FC + ReLU, dropout, class layer."""

    def __init__(self, n_features, n_classes, hidden_size=64, dropout=0.5):
        super().__init__()
        self.body = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, int(hidden_size)),
                                  nn.ReLU(), nn.Dropout(dropout))
        self.head = nn.Linear(int(hidden_size), n_classes)

    def forward(self, x):
        return self.head(self.body(x))


#: The activations FeatureMapCNN offers, by name.
ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}


class FeatureMapCNN(nn.Module):
    """The bootstrapping CNN paper, Table III: conv 6@3x3, conv 9@3x3, no pooling, class layer.

    On an 18x18 map the feature maps are 6x16x16 then 9x14x14, as the table lists. Each
    convolution is followed by ``activation`` (a key of :data:`ACTIVATIONS`).
    """

    def __init__(self, n_classes, map_size=18, in_channels=1, channels=(6, 9), kernel_size=3,
                 activation="relu"):
        super().__init__()
        layers, c, side = [], int(in_channels), int(map_size)
        for out in channels:
            layers += [nn.Conv2d(c, int(out), kernel_size), ACTIVATIONS[activation]()]
            c, side = int(out), side - kernel_size + 1
        self.body = nn.Sequential(*layers, nn.Flatten())
        self.head = nn.Linear(c * side * side, n_classes)

    def forward(self, x):
        return self.head(self.body(x))


class MotionCNN(nn.Module):
    """A small CNN on stacked optical flow ``(n, 2L, H, W)`` (the hybrid framework's motion).

    Conv-ReLU-maxpool blocks, global average pooling to ``pool_size`` x ``pool_size``,
    a first FC layer (its activations are the motion features), dropout, class layer.
    """

    def __init__(self, in_channels, n_classes, channels=(16, 32), fc_size=64, dropout=0.5,
                 pool_size=2):
        super().__init__()
        layers, c = [], int(in_channels)
        for out in channels:
            layers += [nn.Conv2d(c, int(out), 3, padding=1), nn.ReLU(),
                       nn.MaxPool2d(2, ceil_mode=True)]
            c = int(out)
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(int(pool_size)), nn.Flatten())
        self.fc = nn.Sequential(nn.Linear(c * int(pool_size) ** 2, int(fc_size)), nn.ReLU())
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(int(fc_size), n_classes)

    def embed(self, x):
        return self.fc(self.body(x))

    def forward(self, x):
        return self.head(self.dropout(self.embed(x)))


def _pooled_side(side, kernel, stride, padding=0, ceil=False):
    span = side + 2 * padding - kernel
    if span < 0:
        return 0
    return (-(-span // stride) if ceil else span // stride) + 1


def _cnn_m_side(side):
    """Side of CNN-M's pool5 maps: conv1 7/2, pool 3/2, conv2 5/2 pad 1, pool 3/2, pool 3/2."""
    for kernel, stride, padding, ceil in ((7, 2, 0, False), (3, 2, 0, True), (5, 2, 1, False),
                                          (3, 2, 0, True), (3, 2, 0, True)):
        side = _pooled_side(side, kernel, stride, padding, ceil) if side > 0 else 0
    return side


class CNNM2048(nn.Module):
    """CNN-M-2048 on stacked optical flow: the hybrid framework's motion CNN, as its [33] has it.

    The hybrid framework paper names only "the CNN M [33]" with "13.5% [33] top-5 error" (Section
    4.1.2) and a "2L-channel stacked optical flow image" input (Section 3.1); the layer list is
    Chatfield et al.'s CNN-M-2048 as Simonyan and Zisserman's temporal stream uses it (the paper's
    reference [33]):

    =====  ====================================================  ==========================
    conv1  96 @ 7x7 stride 2, pad 0, ReLU, LRN, max-pool 3x3/2   224 -> 109 -> 54
    conv2  256 @ 5x5 stride 2, pad 1, ReLU, max-pool 3x3/2       54 -> 26 -> 13
           (no LRN: the temporal net drops conv2's normalisation)
    conv3  512 @ 3x3, pad 1, ReLU                                13
    conv4  512 @ 3x3, pad 1, ReLU                                13
    conv5  512 @ 3x3, pad 1, ReLU, max-pool 3x3/2                13 -> 6
    fc6    4096, ReLU (``self.fc``: the motion features), dropout
    fc7    2048, ReLU, dropout
    head   class layer
    =====  ====================================================  ==========================

    Pooling rounds up (Caffe's rule, ``ceil_mode=True``): with torch's default floor the
    maps would be 12x12 after conv2 and 5x5 after conv5, and fc6 would have 12,800 inputs
    instead of 6 x 6 x 512 = 18,432. LRN is Caffe's (size 5, alpha 1e-4, beta 0.75, k 1;
    torch divides alpha by the size as Caffe does). On 224x224x20 input the layers hold
    94,176 / 614,656 / 1,180,160 / 2,359,808 / 2,359,808 / 75,501,568 / 8,390,656
    parameters and, with 101 classes, the head 206,949: 90,707,781 in all.
    """

    #: Width of fc6, the motion features.
    FC6_SIZE = 4096

    def __init__(self, in_channels, n_classes, input_size=(224, 224), dropout=0.5):
        super().__init__()
        h, w = (_cnn_m_side(int(s)) for s in input_size)
        if h < 1 or w < 1:
            raise ValueError(
                f"CNN-M-2048 needs flow maps of at least 57x57 (its 7x7/2 conv, three "
                f"3x3/2 pools and a 5x5/2 conv); got {tuple(input_size)} (224x224 in [33]).")
        self.body = nn.Sequential(
            nn.Conv2d(int(in_channels), 96, 7, stride=2), nn.ReLU(),
            nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Conv2d(96, 256, 5, stride=2, padding=1), nn.ReLU(),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Conv2d(256, 512, 3, padding=1), nn.ReLU(),
            nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(),
            nn.Conv2d(512, 512, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(3, 2, ceil_mode=True),
            nn.Flatten(),
        )
        self.fc = nn.Sequential(nn.Linear(512 * h * w, self.FC6_SIZE), nn.ReLU())
        self.dropout = nn.Dropout(dropout)
        self.fc7 = nn.Sequential(nn.Linear(self.FC6_SIZE, 2048), nn.ReLU(), nn.Dropout(dropout))
        self.head = nn.Linear(2048, n_classes)

    def embed(self, x):
        return self.fc(self.body(x))

    def forward(self, x):
        return self.head(self.fc7(self.dropout(self.embed(x))))


class FusionModule(nn.Module):
    """The hybrid framework's feature fusion network (Fig. 1, section 3.3).

    One sigmoid layer of ``stream_size`` units per stream, their outputs concatenated into
    the fusion layer ``self.fusion`` (``fusion_size`` sigmoid units: its weight is the
    ``W^E`` of Eq. 3, shape ``(P, D)``), then a logistic-regression class layer.
    """

    def __init__(self, stream_columns, n_classes, stream_size=200, fusion_size=200):
        super().__init__()
        self.stream_columns = [torch.as_tensor(c, dtype=torch.long) for c in stream_columns]
        for i, cols in enumerate(self.stream_columns):
            self.register_buffer(f"columns_{i}", cols, persistent=False)
        self.streams = nn.ModuleList(nn.Linear(len(c), int(stream_size))
                                     for c in self.stream_columns)
        self.fusion = nn.Linear(int(stream_size) * len(self.stream_columns), int(fusion_size))
        self.head = nn.Linear(int(fusion_size), n_classes)

    def embed(self, x):
        parts = [torch.sigmoid(layer(x.index_select(1, getattr(self, f"columns_{i}"))))
                 for i, layer in enumerate(self.streams)]
        return torch.sigmoid(self.fusion(torch.cat(parts, dim=1)))

    def forward(self, x):
        return self.head(self.embed(x))


@torch.no_grad()
def prox_l21_l11(weight, lambda2, lambda3, step=1.0, *, mode="exact"):
    """Proximal step on the hybrid framework's fusion weights (Eq. 3 and Eq. 4), row by row.

    ``mode="exact"`` (default): the proximal operator of ``step`` times the penalty of
    Eq. 3, ``argmin_W 1/2 ||W - V||_F^2 + step * (lambda2/2 sum_r ||W_r||_2 + lambda3
    sum_rj |W_rj|)`` for ``V = weight``::

        U_r = sign(V_r) max(|V_r| - step*lambda3, 0)
        W_r = max(1 - (step*lambda2/2) / ||U_r||_2, 0) U_r

    A gradient step of size ``lr`` must be followed by the prox of ``lr`` times the
    penalty: at the paper's lr 0.7 the thresholds are ``0.7 lambda3`` and ``0.35 lambda2``.

    ``mode="as_printed"``: Eq. 4 as the paper prints it (the hybrid framework paper, Section 3.3,
    ``W_r = (1 - lambda2 / ||U_r||_2) U_r`` with ``U_r = [|V_r| - lambda3]_+ sign(V_r)``):
    thresholds ``lambda3`` and ``lambda2`` whatever the step (``step`` is ignored), i.e.
    the step size and Eq. 3's 1/2 folded into the lambdas. The printed group factor has
    no ``(.)_+``; both modes clamp it at 0, as the arg-min requires (without the clamp a
    row whose norm is below the threshold would flip sign instead of vanishing).

    Parameters
    ----------
    weight : Tensor of shape (P, D)
        Rows are the fusion layer's units (``nn.Linear.weight`` layout).
    lambda2, lambda3 : float
        Weights of the l2,1 and l1,1 norms in Eq. 3.
    step : float, default=1.0
        Step size of the gradient step just taken (``mode="exact"`` only).
    mode : {"exact", "as_printed"}, default="exact"

    Returns
    -------
    Tensor of shape (P, D)

    Examples
    --------
    >>> import torch
    >>> V = torch.tensor([[3.0, -4.0], [0.1, 0.1]])
    >>> prox_l21_l11(V, lambda2=2.0, lambda3=0.0).tolist()
    [[2.4000000953674316, -3.200000047683716], [0.0, 0.0]]
    >>> prox_l21_l11(V, lambda2=2.0, lambda3=0.0, mode="as_printed").tolist()
    [[1.8000000715255737, -2.4000000953674316], [0.0, 0.0]]
    """
    if mode == "exact":
        t1, t2 = step * lambda3, step * lambda2 / 2.0
    elif mode == "as_printed":
        t1, t2 = lambda3, lambda2
    else:
        raise ValueError(f"mode must be 'exact' or 'as_printed', got {mode!r}.")
    u = torch.sign(weight) * torch.clamp(weight.abs() - t1, min=0.0)
    if t2 <= 0:
        return u
    norms = torch.linalg.vector_norm(u, dim=1, keepdim=True)
    scale = torch.clamp(1.0 - t2 / torch.clamp(norms, min=torch.finfo(u.dtype).tiny), min=0.0)
    return u * scale
