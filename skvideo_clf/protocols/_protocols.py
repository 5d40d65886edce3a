"""The papers' comparisons as protocols: rows of presets, a baseline, the paper's numbers.

A :class:`Protocol` names the rows of one table of a paper (each row a ``(name, factory)``
preset as in :func:`~skvideo_clf.protocols.demo_presets`), the row the others are compared
with, the protocol's own metric (hit@1, mAP) and what the paper reports. The rows are built
from a configuration (:func:`compare_config`): ``"quick"`` and ``"default"`` are sized for a
CPU, ``"full"`` is the papers' configuration.

One concept although it passes 500 lines: the table of protocols, each a short list of rows
built from the same :class:`RowParts`; split per paper, the rows would lose the one place
where their shared parts are defined.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ._demo import _demo_rows, demo_config, demo_dataset, sized_config
from ._reference import PAPER_TABLE_I, PAPER_TABLE_II

__all__ = ["COMPARE_SIZES", "PROTOCOLS", "Protocol", "RowParts", "compare_config",
           "get_protocol"]

#: The named configurations of :func:`compare_config`.
COMPARE_SIZES = ("quick", "default", "full")

_CONFIGS = {
    # a smoke test: tiny inputs, few epochs, narrow nets, 2 folds
    "quick": dict(input_size=75, sequence_length=4, epochs=10, hidden=32, folds=2,
                  inner_cv=2, width_divisor=32, flow=dict(n_stack=2, flow_size=32, grid=2),
                  block_length=4, imbalance_min_count=2),
    # sized for a CPU: 100 short videos in minutes
    "default": dict(input_size=149, sequence_length=8, epochs=30, hidden=64, folds=3,
                    inner_cv=3, width_divisor=16, flow=dict(n_stack=2, flow_size=32, grid=2),
                    block_length=16, imbalance_min_count=10),
    # the papers' configurations (widths, 299 px, 40 frames, 80 steps); meant for a GPU
    "full": dict(input_size=299, sequence_length=40, epochs=100, hidden=None, folds=5,
                 inner_cv=5, width_divisor=1, flow=dict(n_stack=10, flow_size=64, grid=3),
                 block_length=80, imbalance_min_count=10),
}

#: Optical-flow histogram bins (+1 for the static bin) of the motion stream.
_N_BINS = 8


def compare_config(size="default", *, input_size=None, sequence_length=None, epochs=None,
                   folds=None):
    """The settings of ``skvideo-clf compare``: one of :data:`COMPARE_SIZES`, with overrides.

    Parameters
    ----------
    size : {"quick", "default", "full"}, default="default"
        ``"full"`` is the papers' configuration (299 px, 40 frames, the papers' widths).
    input_size, sequence_length, epochs, folds : int, default=None
        Replace the size's value when not None.

    Returns
    -------
    config : dict
        ``size``, ``input_size``, ``sequence_length``, ``epochs``, ``hidden`` (network width;
        None for the papers' presets), ``folds`` (cross-validation folds without split
        files), ``inner_cv`` (folds of the hybrid's weight search), ``width_divisor`` (seed
        003's widths are divided by it), ``flow`` (optical-flow parameters),
        ``block_length`` (seed 002's time steps) and ``imbalance_min_count`` (seed 000's
        imbalanced-UCF101 rule).

    Examples
    --------
    >>> from skvideo_clf.protocols import compare_config
    >>> cfg = compare_config("quick", folds=3)
    >>> cfg["input_size"], cfg["sequence_length"], cfg["folds"], cfg["hidden"]
    (75, 4, 3, 32)
    """
    return sized_config(_CONFIGS, size, input_size=input_size,
                        sequence_length=sequence_length, epochs=epochs, folds=folds)


@dataclass
class RowParts:
    """The building blocks every protocol row is made of, bound to one configuration.

    Every featurizer gets the same ``memory`` folder, so that a frame is featurized once
    for all rows, folds and candidates.

    Parameters
    ----------
    config : dict
        From :func:`compare_config`.
    backbone : str, default="inception_v3"
        Frame network of the spatial stream (see
        :func:`~skvideo_clf.features.make_frame_featurizer`), or ``"lowlevel[:names]"``
        for seed 001's descriptors (e.g. ``"lowlevel:hsv,ycbcr"``; no network).
    weights : str or None, default=None
        Its weights (None: random, for tests).
    device : str, default="cpu"
    memory : str or joblib.Memory, default=None
        The shared frame cache.
    random_state : int, default=0
    """

    config: dict
    backbone: str = "inception_v3"
    weights: object = None
    device: str = "cpu"
    memory: object = None
    random_state: int = 0
    _spatial_size: int | None = field(default=None, repr=False)

    # -- featurizers -------------------------------------------------------------------------
    def features(self, *, sequence_length="config", frame_sampling="uniform",
                 padding="upsample"):
        """The spatial frame featurizer (``--backbone``)."""
        from ..features import LowLevelFrameTransformer, make_frame_featurizer

        T = self.config["sequence_length"] if sequence_length == "config" else sequence_length
        if self.backbone.startswith("lowlevel"):
            # seed 001's hand-made descriptors: no network, seconds on a CPU
            names = self.backbone.partition(":")[2] or "hsv,ycbcr"
            return LowLevelFrameTransformer(descriptors=tuple(names.split(",")),
                                            n_components=None, output="vector",
                                            sequence_length=T, frame_sampling=frame_sampling,
                                            padding=padding, memory=self.memory,
                                            random_state=self.random_state)
        params = dict(weights=self.weights, sequence_length=T, frame_sampling=frame_sampling,
                      padding=padding, device=self.device, memory=self.memory,
                      random_state=self.random_state)
        if self.backbone == "inception_v3" or self.config["size"] != "full":
            params["input_size"] = self.config["input_size"]
        return make_frame_featurizer(self.backbone, **params)

    def flow(self, *, sequence_length="config"):
        """The motion featurizer: optical-flow histograms (seed 004's motion stream)."""
        from ..features import OpticalFlowTransformer

        T = self.config["sequence_length"] if sequence_length == "config" else sequence_length
        return OpticalFlowTransformer(**self.config["flow"], n_bins=_N_BINS,
                                      sequence_length=T, memory=self.memory,
                                      random_state=self.random_state)

    @property
    def motion_size(self):
        return self.config["flow"]["grid"] ** 2 * (_N_BINS + 1)

    def streams(self):
        """Column blocks of :meth:`two_streams`: motion first, so its width is known."""
        m = self.motion_size
        return {"motion": slice(0, m), "spatial": slice(m, None)}

    def two_streams(self):
        """Motion and spatial features, each mean-pooled over time, side by side."""
        from imblearn.pipeline import Pipeline
        from sklearn.pipeline import FeatureUnion

        from ..features import TemporalPooling

        return FeatureUnion([
            ("motion", Pipeline([("features", self.flow()), ("pool", TemporalPooling())])),
            ("spatial", Pipeline([("features", self.features()),
                                  ("pool", TemporalPooling())])),
        ])

    def oversampler(self):
        from ..sampling import SpatioTemporalOversampler

        return SpatioTemporalOversampler(sequence_length=self.config["sequence_length"],
                                         random_state=self.random_state)

    # -- classifiers -------------------------------------------------------------------------
    @property
    def _common(self):
        return dict(max_epochs=self.config["epochs"], device=self.device,
                    random_state=self.random_state)

    def lstm(self, preset="seed002", **kw):
        from ..neural import LSTMClassifier

        h = self.config["hidden"]
        params = {**self._common, **kw}
        if h is None:
            return LSTMClassifier.from_preset(preset, **params)
        return LSTMClassifier(**{"hidden_sizes": (h,), **params})

    def resbilstm(self, **kw):
        from ..neural import ResBiLSTMClassifier

        h = self.config["hidden"]
        if h is None:
            return ResBiLSTMClassifier.from_preset("seed000", **self._common, **kw)
        return ResBiLSTMClassifier(hidden_size=h, fc_size=h, **self._common, **kw)

    def frame_voting(self, **kw):
        from ..neural import FrameVotingClassifier

        h = self.config["hidden"]
        presets = getattr(FrameVotingClassifier, "PRESETS", {})
        if h is None and "seed002" in presets:
            return FrameVotingClassifier.from_preset("seed002", **self._common, **kw)
        return FrameVotingClassifier(hidden_size=h or 1024, **self._common, **kw)

    def fusion_net(self, *, regularized=True):
        from ..neural import FusionNetClassifier

        h = self.config["hidden"]
        reg = {} if regularized else dict(lambda2=0.0, lambda3=0.0)
        if h is None:
            return FusionNetClassifier.from_preset("seed004", streams=self.streams(),
                                                   **self._common, **reg)
        lam = dict(lambda2=1e-3, lambda3=1e-3) if regularized else reg
        return FusionNetClassifier(streams=self.streams(), stream_size=h, fusion_size=h,
                                   **lam, **self._common)

    def mlp(self):
        """A one-hidden-layer network (seed 004's NN-EF / NN-LF members)."""
        from sklearn.neural_network import MLPClassifier

        h = self.config["hidden"] or 200
        return MLPClassifier(hidden_layer_sizes=(h,), max_iter=max(self.config["epochs"], 50),
                             random_state=self.random_state)


@dataclass
class Protocol:
    """One paper's comparison.

    Attributes
    ----------
    name : str
    title : str
        The paper and table, for the report.
    build : callable
        ``build(parts) -> list of (name, factory)``, ``parts`` a :class:`RowParts`.
    baseline : str
        The row every other row is compared with.
    metric : str or None
        The protocol's own metric, a key of ``VideoReport.summary()`` (``"hit@1"``,
        ``"mAP"``), shown beside the four common ones.
    paired_metric : str
        The score of the paired comparisons.
    paper_columns : tuple of str
        Titles of the paper's numbers.
    paper : dict
        ``{row name: tuple of numbers in paper_columns order}`` (fractions).
    imbalance : bool
        Whether training splits are made imbalanced by seed 000's rule first.
    notes : str
        Which settings differ from the paper's, and why.
    make_config : callable or None
        ``make_config(size, **overrides) -> dict``, the protocol's own configuration
        (:func:`demo_config`); None: :func:`compare_config`.
    dataset : callable or None
        ``dataset(config, random_state=seed) -> (X, y, class sizes)``: the data the
        protocol runs on when no folder is given (the demo's embedded synthetic set, cut
        into stratified folds); None: it needs a folder.
    """

    name: str
    title: str
    build: object
    baseline: str
    metric: str | None = None
    paired_metric: str = "accuracy"
    paper_columns: tuple = ()
    paper: dict = field(default_factory=dict)
    imbalance: bool = False
    notes: str = ""
    make_config: object = None
    dataset: object = None

    def rows(self, parts):
        """The ``(name, factory)`` rows, baseline included."""
        return self.build(parts)

    def config(self, size="default", **overrides):
        """The configuration its rows are built from (``size`` with ``overrides``).

        Examples
        --------
        >>> from skvideo_clf.protocols import get_protocol
        >>> get_protocol("demo").config("quick", scale=0.02)["scale"]
        0.02
        >>> get_protocol("seed002").config("quick")["block_length"]
        4
        """
        return (self.make_config or compare_config)(size, **overrides)


# --- seed 000: CNN-LSTM vs ResBiLSTM, class weighting, oversampling --------------------------

def _seed000_rows(p):
    from imblearn.pipeline import Pipeline

    def pipe(*steps):
        return lambda: Pipeline([s() if callable(s) else s for s in steps])

    def feats():
        return ("features", p.features())

    def over():
        return ("resample", p.oversampler())

    return [
        ("CNN-LSTM", pipe(feats, lambda: ("clf", p.lstm()))),
        ("CNN-LSTM + class weighting",
         pipe(feats, lambda: ("clf", p.lstm(class_weight="balanced")))),
        ("CNN-LSTM + oversampling", pipe(over, feats, lambda: ("clf", p.lstm()))),
        ("CNN-LSTM + oversampling + weighting",
         pipe(over, feats, lambda: ("clf", p.lstm(class_weight="balanced")))),
        ("ResBiLSTM + oversampling", pipe(over, feats, lambda: ("clf", p.resbilstm()))),
        ("ResBiLSTM + oversampling + weighting",
         pipe(over, feats, lambda: ("clf", p.resbilstm(class_weight="balanced")))),
    ]


# The row names are the reference tables' own, so the paper's numbers line up with ours.
_SEED000_ROWS = tuple(PAPER_TABLE_I)
SEED000_TABLE_I, SEED000_TABLE_II = PAPER_TABLE_I, PAPER_TABLE_II

_SEED000_NOTES = (
    "Loss: cross-entropy (the paper prints a squared error). Epochs, batch size and the "
    "RandAug ranges are not stated in the paper: library choices. Without --full the "
    "networks are narrower (hidden width 32/64 instead of 1024), frames smaller (75/149 px "
    "instead of 299) and sequences shorter (4/8 instead of 40) so that a CPU suffices.")


# --- seed 002: frame voting vs CNN-LSTM, 8 frames of every 25 --------------------------------

def _seed002_rows(p):
    from imblearn.pipeline import Pipeline

    T = p.config["block_length"]
    return [
        # frame voting votes over every sampled frame: no padding, variable length
        ("Frame voting (InceptionV3 + FFNN)",
         lambda: Pipeline([("features", p.features(sequence_length=None,
                                                   frame_sampling="block")),
                           ("clf", p.frame_voting())])),
        ("CNN-LSTM",
         lambda: Pipeline([("features", p.features(sequence_length=T, frame_sampling="block",
                                                   padding="zeros")),
                           ("clf", p.lstm("seed002"))])),
    ]


#: Seed 002, Tables 3.6 and 3.8: test accuracy on UCF101 splits 1, 2, 3 and their mean.
SEED002_TABLE = {
    "Frame voting (InceptionV3 + FFNN)": (0.5741, 0.5608, 0.5701, 0.5683),
    "CNN-LSTM": (0.6627, 0.6687, 0.6540, 0.6618),
}


# --- seed 003: LSTM / BiLSTM depth and width at 1 FPS ----------------------------------------

_SEED003_ARCHS = (  # (name, bidirectional, widths of the paper)
    ("LSTM 2x1024", False, (1024, 1024)),
    ("LSTM 1x1024", False, (1024,)),
    ("BiLSTM 1x1024", True, (1024,)),
    ("BiLSTM 2x1024", True, (1024, 1024)),
    ("BiLSTM 3x682", True, (682, 682, 682)),
    ("BiLSTM 2x512", True, (512, 512)),
    ("BiLSTM 2x256", True, (256, 256)),
)


def _seed003_pipeline(p, bidirectional, widths):
    """Seed 003's recurrent net on 1 frame per second, at most 360, variable length."""
    import torch
    from imblearn.pipeline import Pipeline

    div = p.config["width_divisor"]
    clf_params = dict(hidden_sizes=tuple(max(4, w // div) for w in widths),
                      bidirectional=bidirectional, sort_by_length=True,
                      optimizer=torch.optim.SGD, lr=0.01, optimizer__momentum=0.9,
                      batch_size=50)
    if p.config["hidden"] is None:
        clf_params["max_epochs"] = 500  # the paper's limit
    return Pipeline([("features", p.features(sequence_length=None, frame_sampling="fps")),
                     ("clf", p.lstm("seed003", **clf_params))])


def _seed003_rows(p):
    def row(bidirectional, widths):
        return lambda: _seed003_pipeline(p, bidirectional, widths)

    return [(name, row(bi, widths)) for name, bi, widths in _SEED003_ARCHS]


def _seed003_transfer_rows(p):
    from ._transfer import HeadTransferClassifier

    def net():  # the paper's preliminary 5-class network: LSTM, 2 layers
        return _seed003_pipeline(p, False, (1024, 1024))

    return [
        ("From scratch on all classes (LSTM 2x1024)", net),
        ("Transfer: head refit on the new classes", lambda: HeadTransferClassifier(net())),
        ("Transfer: head refit on all classes",
         lambda: HeadTransferClassifier(net(), head_data="all")),
    ]


_SEED003_TRANSFER_NOTES = (
    "Seed 003 trains on 5 of 10 product categories, then refits only the class layer on the "
    "remaining 5 so that it scores all 10 (refit_head(..., keep_classes=True)), and compares "
    "with training on the 10 from scratch. On another class count the split is scaled "
    "proportionally: the first half of the sorted classes (at least 2) are the source "
    "classes, the rest are new (on 4 classes: 2 -> 4; a folder with fewer than 3 classes "
    "cannot run it). The paper reports no number for the transfer that could be attributed "
    "to a row. Widths, epochs and frame sizes as in the seed003 protocol.")


_SEED003_NOTES = (
    "Seed 003's Table I (hit@1, 10 product categories) lists seven values, 86.79% to 89.68% "
    "(89.43, 89.13, 89.68, 86.79, 87.49, 87.74, 87.84), but its row labels were lost in the "
    "paper's text: no value is attributed to a row here. Preliminary 5-class result: "
    "96.92% (LSTM) and 96.62% (BiLSTM), 2 layers. Without --full widths are divided by "
    "16 (32 with --quick) and training stops at the configured epochs instead of 500. The "
    "5 -> 10 class transfer is the seed003-transfer protocol.")


# --- seed 004: kernel and fusion baselines, Table 2 ------------------------------------------

def _seed004_rows(p):
    from imblearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..fusion import Chi2SVC, EarlyFusionSVC, LateFusionClassifier, MKLClassifier

    seed = p.random_state

    def svm(stream):
        # a late-fusion member sees its own stream's columns only: no streams to name
        return Chi2SVC(streams=p.streams() if stream else None, stream=stream,
                       probability=True, random_state=seed)

    def on_streams(*steps):
        return lambda: Pipeline([("streams", p.two_streams()), *[s() for s in steps]])

    def scaled_mlp():
        return Pipeline([("scale", StandardScaler()), ("nn", p.mlp())])

    def hybrid():
        # seed 004's hybrid: the fusion network and an LSTM per stream, fused linearly
        # with weights chosen by cross-validation on the training fold
        members = [
            ("fusion net", Pipeline([("streams", p.two_streams()),
                                     ("scale", StandardScaler()),
                                     ("clf", p.fusion_net())]), None),
            ("spatial LSTM", Pipeline([("features", p.features()),
                                       ("clf", p.lstm("seed004"))]), None),
            ("motion LSTM", Pipeline([("features", p.flow()),
                                      ("clf", p.lstm("seed004"))]), None),
        ]
        return LateFusionClassifier(members, weights="cv", cv=p.config["inner_cv"])

    return [
        ("Spatial SVM", on_streams(lambda: ("clf", svm("spatial")))),
        ("Motion SVM", on_streams(lambda: ("clf", svm("motion")))),
        ("SVM-EF", on_streams(lambda: ("clf", EarlyFusionSVC(streams=p.streams(),
                                                             probability=True,
                                                             random_state=seed)))),
        ("SVM-LF", on_streams(lambda: ("clf", LateFusionClassifier(
            [("spatial", svm(None), "spatial"), ("motion", svm(None), "motion")],
            streams=p.streams())))),
        ("SVM-MKL", on_streams(lambda: ("clf", MKLClassifier(
            streams=p.streams(), p=2.0, probability=True, random_state=seed)))),
        ("NN-EF", on_streams(lambda: ("clf", scaled_mlp()))),
        ("NN-LF", on_streams(lambda: ("clf", LateFusionClassifier(
            [("spatial", scaled_mlp(), "spatial"), ("motion", scaled_mlp(), "motion")],
            streams=p.streams())))),
        ("Non-regularized fusion network",
         on_streams(lambda: ("scale", StandardScaler()),
                    lambda: ("clf", p.fusion_net(regularized=False)))),
        ("Regularized fusion network",
         on_streams(lambda: ("scale", StandardScaler()), lambda: ("clf", p.fusion_net()))),
        ("Hybrid (fusion net + spatial & motion LSTMs, CV weights)", hybrid),
    ]


#: Seed 004, Table 2: UCF-101 accuracy (mean of 3 splits) and CCV mAP (seed_spec 004.2);
#: the hybrid is the paper's "Ours" (Table 3).
SEED004_TABLE_2 = {
    "Spatial SVM": (0.786, 0.744),
    "Motion SVM": (0.782, 0.579),
    "SVM-EF": (0.866, 0.753),
    "SVM-LF": (0.853, 0.749),
    "SVM-MKL": (0.868, 0.754),
    "NN-EF": (0.865, 0.756),
    "NN-LF": (0.851, 0.752),
    "Non-regularized fusion network": (0.870, 0.754),
    "Regularized fusion network": (0.884, 0.762),
    "Hybrid (fusion net + spatial & motion LSTMs, CV weights)": (0.913, 0.835),
}

_SEED004_NOTES = (
    "Motion stream: optical-flow histograms of OpticalFlowTransformer (the paper uses a "
    "motion CNN on stacked flow); both streams are mean-pooled over time. NN-EF / NN-LF "
    "members: one-hidden-layer MLPs (the paper does not give their shape). Fusion-network "
    "lambdas: fixed (the paper tunes them by cross-validation). Without --full: narrower "
    "networks, smaller frames, fewer flow frames and stacks.")


_DEMO_NOTES = (
    "Synthetic videos of make_video_classification, 7 classes sized like seed 000's "
    "disaster set (400 down to 40 videos, scaled by --scale), cut into stratified folds: "
    "the paper's numbers are on real disaster videos, so compare the ordering of the rows, "
    "not the numbers. Rows 7-9 are seed 004's spatial SVM, SVM early fusion and "
    "regularized fusion network (their paper numbers are in the seed004-table2 protocol). "
    "Without --full the networks are narrower (32/64 instead of 1024), frames smaller (75 "
    "px instead of 299) and sequences shorter (4/8 instead of 40).")

PROTOCOLS = {
    "demo": Protocol(
        "demo", "skvideo-clf demo: seed 000's Table I, then seed 004's baselines, on "
        "synthetic imbalanced videos", _demo_rows, baseline="CNN-LSTM",
        paired_metric="f1_macro", paper_columns=("Acc", "F1 (macro)", "weighted F1"),
        paper=SEED000_TABLE_I, notes=_DEMO_NOTES, make_config=demo_config,
        dataset=demo_dataset),
    "seed000-table1": Protocol(
        "seed000-table1", "Seed 000, Table I: imbalance handling on the disaster videos",
        _seed000_rows, baseline="CNN-LSTM", paired_metric="f1_macro",
        paper_columns=("Acc", "F1 (macro)", "weighted F1"), paper=SEED000_TABLE_I,
        notes=_SEED000_NOTES),
    "seed000-table2": Protocol(
        "seed000-table2", "Seed 000, Table II: imbalanced UCF101 (make_imbalanced on the "
        "training split)", _seed000_rows, baseline="CNN-LSTM", paired_metric="f1_macro",
        paper_columns=("Acc", "F1 (macro)", "weighted F1"), paper=SEED000_TABLE_II,
        imbalance=True, notes=_SEED000_NOTES + " Training splits keep, per class, a count "
        "drawn uniformly between 10 (2 with --quick) and the class size; test splits are "
        "untouched."),
    "seed002": Protocol(
        "seed002", "Seed 002: frame voting vs CNN-LSTM, 8 frames of every 25",
        _seed002_rows, baseline="Frame voting (InceptionV3 + FFNN)",
        paper_columns=("split 1", "split 2", "split 3", "mean"), paper=SEED002_TABLE,
        notes="The LSTM sees 80 steps, zero-padded or truncated (4 with --quick, 16 by "
              "default); frame voting votes over every sampled frame. Input size is not "
              "stated by the paper (224 px inferred; the library uses the backbone's own "
              "with --full)."),
    "seed003": Protocol(
        "seed003", "Seed 003: LSTM / BiLSTM, 1-3 layers, 256-1024 units, 1 FPS (cap 360)",
        _seed003_rows, baseline="LSTM 2x1024", metric="hit@1", notes=_SEED003_NOTES),
    "seed003-transfer": Protocol(
        "seed003-transfer", "Seed 003: 5 -> 10 class transfer (refit the head only) vs "
        "training from scratch", _seed003_transfer_rows,
        baseline="From scratch on all classes (LSTM 2x1024)", metric="hit@1",
        notes=_SEED003_TRANSFER_NOTES),
    "seed004-table2": Protocol(
        "seed004-table2", "Seed 004, Table 2: kernel and fusion baselines (spatial + motion)",
        _seed004_rows, baseline="Spatial SVM", metric="mAP",
        paper_columns=("UCF-101 Acc", "CCV mAP"), paper=SEED004_TABLE_2,
        notes=_SEED004_NOTES),
}


def get_protocol(name):
    """The :class:`Protocol` of a name in :data:`PROTOCOLS`.

    Examples
    --------
    >>> from skvideo_clf.protocols import get_protocol
    >>> proto = get_protocol("seed004-table2")
    >>> proto.baseline, proto.metric, len(proto.paper)
    ('Spatial SVM', 'mAP', 10)
    """
    if name not in PROTOCOLS:
        raise ValueError(f"Unknown protocol {name!r}; choose one of {sorted(PROTOCOLS)}.")
    return PROTOCOLS[name]
