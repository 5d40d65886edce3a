"""Sequence classifiers over frame-feature sequences: CNN-LSTM and ResBiLSTM."""

from __future__ import annotations

from numbers import Integral, Real

import torch

from ..utils.compat.sklearn import Interval
from ._base import SHARED_DOCS, NeuralClassifierBase
from ._modules import ResBiLSTMModule, SequenceLSTMModule

__all__ = ["LSTMClassifier", "ResBiLSTMClassifier"]

_SEQUENCE_INPUT = """
    Input ``X`` is a float ``(n_videos, T, D)`` array, the variable-length form (a 1-D
    object array of ``(T_i, D)`` arrays) or a 2-D ``(n_videos, D)`` array read as sequences of
    length 1. Variable-length batches are zero-padded and packed
    (``pack_padded_sequence``), and with ``sort_by_length=True`` training batches gather
    sequences of similar length (the low-complexity RNN paper) so they pad little.
"""


class LSTMClassifier(NeuralClassifierBase):
    __doc__ = f"""CNN-LSTM baseline of four of the papers: stacked (Bi)LSTM, last step.
    {_SEQUENCE_INPUT}
    The defaults are small so that the net trains in seconds on a CPU; ``PRESETS`` holds
    the papers' configurations (``LSTMClassifier.from_preset("hybrid-fusion")``), meant for a GPU.

    ``PRESETS["resbilstm-oversampling"]`` is the CNN-ResBiLSTM paper's CNN-LSTM baseline set up
    like its CNN-ResBiLSTM, as
    the paper compares them: "the same CNN-LSTM architecture" across Table I's rows,
    Adam "with an aggressively small learning rate 0.000001 and L2
    regularization with λ = 0.0003" (Section V-A; torch's ``weight_decay=λ`` adds ``λW``
    to the gradient, the derivative of the paper's ``λ/2 ||W||²``), width 1024
    and "a 1024 fully connected layer and 50% dropout". The paper does not
    state the baseline's own layout: one unidirectional LSTM of 1024 units is the
    library's reading. ``PRESETS["low-complexity-rnn"]`` trains for up to 500 epochs: "We limit the
    number of epochs in each training process to 500." (Section II-C; "the BiLSTM architecture
    converged in only 100 epochs"); the paper names no early stopping, add
    skorch's ``EarlyStopping`` to stop sooner.

    Parameters
    ----------
    hidden_sizes : int or tuple of int, default=(32,)
        One LSTM layer per entry (1 to 3 layers in the low-complexity RNN paper; ``(1024, 512)``
        in the hybrid framework).
    bidirectional : bool, default=False
    dropout : float, default=0.0
        Between LSTM layers.
    head_dropout : float, default=0.0
        Before the class layer (the UCF101 thesis: 0.5).
    input_dropout : float, default=0.0
        On the inputs of the first LSTM, one mask per sequence shared by its steps: Keras'
        ``LSTM(dropout=...)`` (the UCF101 thesis: 0.2).
    fc_size : int or None, default=None
        A ReLU layer before the class layer.
    sort_by_length : bool, default=True
        Batch training sequences of similar length together when lengths vary.
    {SHARED_DOCS['base_parameters']}

    Attributes
    ----------
    {SHARED_DOCS['base_attributes']}

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 5, 3).astype("float32")
    >>> y = np.where(X[:, -1, 0] > 0, "up", "down")
    >>> clf = LSTMClassifier(max_epochs=20, random_state=0).fit(X, y)
    >>> clf.classes_.tolist()
    ['down', 'up']
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    PRESETS = {
        # The CNN-ResBiLSTM paper's CNN-LSTM baseline with the ResBiLSTM's optimiser
        # (Sections V-A and V-B)
        "resbilstm-oversampling": dict(hidden_sizes=(1024,), fc_size=1024, head_dropout=0.5,
                        optimizer=torch.optim.Adam, lr=1e-6, optimizer__weight_decay=3e-4),
        # The UCF101 thesis: "The / first layer contains
        # 1024 LSTM cells with the dropout parameter set to 20%. The / output layer is a
        # softmax layer with 101 units. A dropout of rate of 50% was / applied between
        # layers": Keras LSTM(1024, dropout=0.2) drops the LSTM's inputs.
        # "Optimizer Adam()": Keras' default lr 1e-3. "Number of epochs (Splits 01,
        # 02, 03) 20, 21, 18": split 01's 20. Its input: the 1024 FC activations of
        # FrameVotingClassifier.from_preset("ucf101-thesis").transform;
        # 8,496,229 parameters in Keras, 8,500,325 in torch (b_hh: 4 x 1024 more).
        "ucf101-thesis": dict(hidden_sizes=(1024,), input_dropout=0.2, head_dropout=0.5,
                        fc_size=None, optimizer=torch.optim.Adam, lr=1e-3, max_epochs=20),
        # The low-complexity RNN paper: BiLSTM 2x1024, SGD momentum 0.9, lr 0.01, batch 50, sorted
        # by length.
        "low-complexity-rnn": dict(hidden_sizes=(1024, 1024), bidirectional=True,
                        optimizer=torch.optim.SGD, lr=0.01, optimizer__momentum=0.9,
                        batch_size=50, sort_by_length=True, max_epochs=500),
        # The hybrid framework: 2 layers, 1024 then 512, batch 10, lr 1e-4,
        # momentum
        # 0.9, "stopped after 150K iterations". In epochs: ceil(150000 / ceil(n_train / 10)),
        # 158 for UCF-101 split 1 (9,537 training videos: 954 batches per epoch); CCV's
        # 4,659 training videos need max_epochs=322.
        "hybrid-fusion": dict(hidden_sizes=(1024, 512), optimizer=torch.optim.SGD, lr=1e-4,
                        optimizer__momentum=0.9, batch_size=10, max_epochs=158),
    }

    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_sizes": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "bidirectional": ["boolean"],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "head_dropout": [Interval(Real, 0, 1, closed="left")],
        "input_dropout": [Interval(Real, 0, 1, closed="left")],
        "fc_size": [Interval(Integral, 1, None, closed="left"), None],
        "sort_by_length": ["boolean"],
    }

    def __init__(self, *, hidden_sizes=(32,), bidirectional=False, dropout=0.0,
                 head_dropout=0.0, input_dropout=0.0, fc_size=None, sort_by_length=True,
                 **kwargs):
        super().__init__(**kwargs)
        self.hidden_sizes = hidden_sizes
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.head_dropout = head_dropout
        self.input_dropout = input_dropout
        self.fc_size = fc_size
        self.sort_by_length = sort_by_length

    def _build_module(self, **kwargs):
        sizes = self.hidden_sizes
        sizes = (sizes,) if isinstance(sizes, Integral) else tuple(sizes)
        params = dict(n_features=self.n_features_in_, n_classes=len(self.classes_),
                      hidden_sizes=sizes, bidirectional=self.bidirectional,
                      dropout=self.dropout, fc_size=self.fc_size,
                      head_dropout=self.head_dropout, input_dropout=self.input_dropout)
        return SequenceLSTMModule(**{**params, **kwargs})


class ResBiLSTMClassifier(NeuralClassifierBase):
    __doc__ = f"""CNN-Residual Bidirectional LSTM of the CNN-ResBiLSTM paper (section IV-B).

    ``h_0 = BiLSTM(x)``, ``h_1 = BiLSTM(h_0) + h_0``, the last element of each direction,
    batch normalization, FC ``fc_size`` with ReLU and dropout 0.5, class layer; L2 through
    the optimizer's ``weight_decay``.
    {_SEQUENCE_INPUT}
    ``PRESETS["resbilstm-oversampling"]`` is the paper's net: "a twolayer Residual Bidirectional
    LSTM with
    1024-wide followed by a 1024 fully connected layer and 50% dropout" (Section V-A;
    1024 units per direction is the library's reading), "Dropout is also directly added to
    each bidirectional LSTM layer" (Section IV-B: the rate is not stated; the library
    uses 0.5, the paper's only stated rate, on each BiLSTM output), "Adam stochastic
    optimization with an aggressively small learning rate 0.000001 and L2 regularization
    with λ = 0.0003", and class weighting "to automatically assign higher
    weights to the minority classes": ``class_weight="balanced"``, which
    behind an over-sampler needs the fit parameter ``y_before_resampling`` to count the
    classes before resampling (see :class:`NeuralClassifierBase`). The defaults are a
    small net that trains on a CPU.

    Parameters
    ----------
    hidden_size : int, default=32
        Units per direction of each BiLSTM.
    n_layers : int, default=2
        BiLSTM layers (the paper's L = 2: one residual shortcut).
    dropout : float, default=0.0
        On each BiLSTM layer's output (after its residual sum), the paper's "Dropout is
        also directly added to each bidirectional LSTM layer" (the CNN-ResBiLSTM paper, lines
        465-466).
    fc_size : int, default=32
    fc_dropout : float, default=0.5
    sort_by_length : bool, default=True
    {SHARED_DOCS['base_parameters']}

    Attributes
    ----------
    {SHARED_DOCS['base_attributes']}

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> X = rng.randn(40, 5, 3).astype("float32")
    >>> y = np.where(X[:, 0, 1] > 0, 1, 0)
    >>> clf = ResBiLSTMClassifier(max_epochs=20, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> ResBiLSTMClassifier.PRESETS["resbilstm-oversampling"]["lr"]
    1e-06
    """

    PRESETS = {
        "resbilstm-oversampling": dict(hidden_size=1024, n_layers=2, dropout=0.5, fc_size=1024,
                        fc_dropout=0.5, optimizer=torch.optim.Adam, lr=1e-6,
                        optimizer__weight_decay=3e-4,
                        class_weight="balanced"),
    }

    _parameter_constraints = {
        **NeuralClassifierBase._parameter_constraints,
        "hidden_size": [Interval(Integral, 1, None, closed="left")],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "fc_size": [Interval(Integral, 1, None, closed="left")],
        "fc_dropout": [Interval(Real, 0, 1, closed="left")],
        "sort_by_length": ["boolean"],
    }

    def __init__(self, *, hidden_size=32, n_layers=2, dropout=0.0, fc_size=32, fc_dropout=0.5,
                 sort_by_length=True, **kwargs):
        super().__init__(**kwargs)
        self.hidden_size = hidden_size
        self.n_layers = n_layers
        self.dropout = dropout
        self.fc_size = fc_size
        self.fc_dropout = fc_dropout
        self.sort_by_length = sort_by_length

    def _build_module(self, **kwargs):
        params = dict(n_features=self.n_features_in_, n_classes=len(self.classes_),
                      hidden_size=self.hidden_size, n_layers=self.n_layers,
                      dropout=self.dropout, fc_size=self.fc_size, fc_dropout=self.fc_dropout)
        return ResBiLSTMModule(**{**params, **kwargs})
