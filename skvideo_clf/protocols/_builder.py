"""The one builder of comparison rows: a protocol file's row, at a size, as an estimator.

Every row of every comparison (built-in protocols, the demo, ``fit --row``, a user's
``compare --config``) is built here from its checked table (:mod:`._config`):
sampler -> featurizer(s) -> [pool] -> [embed] -> [scale] -> classifier.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier

from ._shared_fit import SharedFitTransformer

__all__ = ["CLASSIFIERS", "Env", "N_BINS", "NEEDS_STREAMS", "SAMPLERS", "SEQUENCE_CLASSIFIERS",
           "WRAPS", "build_estimator", "callback_table", "classifier_table",
           "motion_network", "motion_stack_bytes", "param_value", "sampler_table", "streams",
           "wrap_table"]

#: Optical-flow histogram bins (+1 for the static bin) of the motion stream.
N_BINS = 8


def classifier_table():
    """``name -> (class, fixed params)``: what ``classifier = "..."`` names.

    Imported when a row is built: torch and the fusion kernels cost seconds to import, and
    ``compare --list`` needs neither."""
    from ..fusion import (
        Chi2SVC,
        EarlyFusionSVC,
        LateFusionClassifier,
        MKLClassifier,
    )
    from ..neural import (
        FrameVotingClassifier,
        FusionNetClassifier,
        LSTMClassifier,
        MotionCNNClassifier,
        ResBiLSTMClassifier,
    )

    return {"lstm": (LSTMClassifier, {}), "bilstm": (LSTMClassifier, {"bidirectional": True}),
            "resbilstm": (ResBiLSTMClassifier, {}),
            "frame_voting": (FrameVotingClassifier, {}),
            "motion_cnn": (MotionCNNClassifier, {}),
            "chi2svc": (Chi2SVC, {"probability": True}),
            "svm_ef": (EarlyFusionSVC, {"probability": True}),
            "svm_mkl": (MKLClassifier, {"probability": True}),
            "fusion_net": (FusionNetClassifier, {}),
            "late_fusion": (LateFusionClassifier, {}),
            "mlp": (MLPClassifier, {}), "logistic": (LogisticRegression, {"max_iter": 1000}),
            "dummy": (DummyClassifier, {"strategy": "most_frequent"})}


def callback_table():
    """``name -> Callback class``: what a neural row's ``params.callbacks`` names.

    Every skorch callback :mod:`skvideo_clf.neural` exports, by its class name in lower case
    (``"framestack"`` is :class:`~skvideo_clf.neural.FrameStack`); its parameters are
    skorch's ``callbacks__<name>__<param>``. Imported when a row is built (torch)."""
    from skorch.callbacks import Callback

    from .. import neural

    return {name.lower(): obj for name in neural.__all__
            if isinstance(obj := getattr(neural, name), type) and issubclass(obj, Callback)}


def sampler_table():
    """``name -> sampler class``: what ``sampler = "..."`` names (``"none"``: no sampler)."""
    from ..sampling import BootstrapSampler, SpatioTemporalOversampler

    return {"oversample": SpatioTemporalOversampler, "bootstrap": BootstrapSampler}


def wrap_table():
    """``name -> meta-estimator class``: what ``wrap = "..."`` puts around the pipeline."""
    from ..inference import ClipAveragingClassifier
    from ._transfer import HeadTransferClassifier

    return {"head_transfer": HeadTransferClassifier,
            "clip_averaging": ClipAveragingClassifier}


#: Sampler names a row may use: the CNN-ResBiLSTM paper's oversampler and the bootstrapping
#: CNN paper's balanced batches.
SAMPLERS = ("none", "oversample", "bootstrap")
#: What a row may be wrapped in.
WRAPS = ("head_transfer", "clip_averaging")
#: Classifier names a row may use.
CLASSIFIERS = ("lstm", "bilstm", "resbilstm", "frame_voting", "motion_cnn", "chi2svc",
               "svm_ef", "svm_mkl", "fusion_net", "late_fusion", "mlp", "logistic", "dummy")
#: Classifiers that read sequences (the others get pooled, video-level features).
SEQUENCE_CLASSIFIERS = ("lstm", "bilstm", "resbilstm", "frame_voting", "motion_cnn")
NEEDS_STREAMS = {"svm_ef", "svm_mkl", "fusion_net"}


def _tuple(value):
    # TOML has arrays only; the estimators take tuples (hidden_sizes, layer sizes)
    return tuple(_tuple(v) for v in value) if isinstance(value, list) else value


def param_value(key, value):
    """A TOML value as the estimator takes it: arrays as tuples, optimizers as classes."""
    import torch

    if value == "None":  # TOML has no null
        return None
    if key == "callbacks" and isinstance(value, list):
        # skorch's named callbacks, fresh instances; callbacks__<name>__<param> set them
        table = callback_table()
        unknown = [v for v in value if not isinstance(v, str) or v.lower() not in table]
        if unknown:
            raise ValueError(f"unknown callback {unknown[0]!r}; choose from {sorted(table)}")
        return [(v.lower(), table[v.lower()]()) for v in value]
    if key in ("optimizer", "criterion") and isinstance(value, str):
        namespace = torch.optim if key == "optimizer" else torch.nn
        if not hasattr(namespace, value):
            raise ValueError(f"{namespace.__name__} has no {value!r}")
        return getattr(namespace, value)
    return _tuple(value)


@dataclass
class Env:
    """What a row is built with besides its file: the size's settings and the run's options."""

    settings: dict
    backbone: str = "inception_v3"
    weights: object = None
    device: str = "cpu"
    memory: object = None
    random_state: int = 0
    epochs: int | None = None  # --epochs: every network's max_epochs


def motion_network(env):
    """The unfitted network whose per-stack embedding is the motion stream, or None.

    The ``motion`` setting: ``"histogram"`` (the default) for optical-flow histograms, or
    a table ``{classifier = "motion_cnn", preset, params}``: a CNN trained on the training
    videos' flow stacks, its first FC layer per stack (the hybrid framework's motion
    features)."""
    motion = env.settings.get("motion", "histogram")
    return None if motion == "histogram" else _classifier(motion, env)


def motion_stack_bytes(settings, specs):
    """Bytes of one video's flow stacks, held in memory while the motion network of the
    ``motion`` setting trains on a fold, when a row of ``specs`` reads the motion stream;
    else None (flow histograms, no motion row, or every frame: ``sequence_length`` "all").

    ``settings``: a size's settings (:meth:`Protocol.config`); ``specs``: rows at that
    size (:meth:`Protocol.row_specs`).

    Examples
    --------
    >>> from skvideo_clf.protocols import get_protocol, motion_stack_bytes
    >>> proto = get_protocol("two-stream-table2")
    >>> full = proto.config("full")
    >>> motion_stack_bytes(full, proto.row_specs("full")) / 2**20   # 40 x 20 x 256 x 256 x 4
    200.0
    >>> motion_stack_bytes(proto.config("quick"), proto.row_specs("quick")) is None
    True
    """
    if settings.get("motion", "histogram") == "histogram" or settings["sequence_length"] in (
            None, "all") or not any(_reads_motion(spec) for spec in specs):
        return None
    flow = settings["flow"]
    return (int(settings["sequence_length"]) * 2 * int(flow["n_stack"])
            * int(flow["flow_size"]) ** 2 * 4)  # float32


def _reads_motion(spec):
    return (spec.get("features", "spatial") in ("motion", "spatial+motion")
            or any(_reads_motion(m) for m in spec.get("members", [])))


def streams(env):
    """Column blocks of the two-stream features: motion first, so its width is known.

    The motion block is the network's embedding (4096 for CNN-M-2048's fc6) or the flow
    histogram."""
    network = motion_network(env)
    if network is not None:
        m = network.embedding_size
    else:
        flow = env.settings["flow"]
        m = flow["grid"] ** 2 * (flow.get("n_bins", N_BINS) + 1)
    return {"motion": slice(0, m), "spatial": slice(m, None)}


def _sequence_length(value, env):
    if value == "all":
        return None
    return env.settings["sequence_length"] if value is None else value


def _spatial(spec, env):
    from ..features import LowLevelFrameTransformer, make_frame_featurizer

    params = dict(spec.get("featurizer", {}))
    backbone = spec.get("backbone", env.backbone)
    T = _sequence_length(params.pop("sequence_length", None), env)
    common = dict(sequence_length=T, memory=env.memory, random_state=env.random_state,
                  frame_sampling=params.pop("frame_sampling", "uniform"),
                  padding=params.pop("padding", "upsample"))
    if backbone.startswith("lowlevel"):
        # The bootstrapping paper's hand-made descriptors: no network, seconds on a CPU
        names = backbone.partition(":")[2] or "hsv,ycbcr"
        for key in ("input_size", "output", "batch_size", "verbose"):  # a network's only
            params.pop(key, None)
        return LowLevelFrameTransformer(descriptors=tuple(names.split(",")), n_components=None,
                                        output="vector", **common, **params)
    weights = env.weights
    if backbone != env.backbone:  # resolved weights belong to the command's backbone
        weights = None if env.weights is None else "auto"
    size = env.settings["input_size"]
    if size is not None and (backbone == "inception_v3" or env.settings["size"] != "full"):
        params.setdefault("input_size", size)
    return make_frame_featurizer(backbone, weights=weights, device=env.device, **common,
                                 **params)


def _flow(spec, env):
    """The motion stream per time step: flow histograms, or a network's embedding of the
    flow stacks (``motion`` setting), fitted once per training set and shared by the rows
    through the run's cache (:class:`SharedFitTransformer`)."""
    from imblearn.pipeline import Pipeline

    from ..features import OpticalFlowTransformer

    flow = {"n_bins": N_BINS, **env.settings["flow"]}
    T = _sequence_length(spec.get("featurizer", {}).get("sequence_length"), env)
    network = motion_network(env)
    featurizer = OpticalFlowTransformer(
        **flow, output="histogram" if network is None else "stack", sequence_length=T,
        memory=env.memory, random_state=env.random_state)
    if network is None:
        return featurizer
    return SharedFitTransformer(Pipeline([("flow", featurizer), ("network", network)]),
                                memory=env.memory)


def _two_streams(spec, env):
    """Motion and spatial features, each mean-pooled over time, side by side."""
    from imblearn.pipeline import Pipeline
    from sklearn.pipeline import FeatureUnion

    from ..features import TemporalPooling

    return FeatureUnion([
        ("motion", Pipeline([("features", _flow(spec, env)), ("pool", TemporalPooling())])),
        ("spatial", Pipeline([("features", _spatial(spec, env)),
                              ("pool", TemporalPooling())])),
    ])


def _classifier(spec, env):
    """The row's classifier (or a member's), its preset expanded and the run's options in."""
    from sklearn.model_selection import GridSearchCV

    from ..neural import NeuralClassifierBase

    name = spec["classifier"]
    cls, fixed = classifier_table()[name]
    params = dict(fixed)
    known = cls().get_params() if name != "late_fusion" else {"weights": None}
    if issubclass(cls, NeuralClassifierBase):
        params.update(max_epochs=env.settings["epochs"], device=env.device)
    if "random_state" in known:
        params["random_state"] = env.random_state
    if name in NEEDS_STREAMS or (name == "chi2svc" and spec.get("params", {}).get("stream")):
        params["streams"] = streams(env)
    if name == "late_fusion":
        params["members"] = [_member(m, env) for m in spec.get("members", [])]
        if any("stream" in m for m in spec.get("members", [])):
            params["streams"] = streams(env)
        params.setdefault("cv", env.settings["grid_cv"])
    preset = spec.get("preset")
    if preset is not None and spec.get("search") != "cv":
        params.update(copy.deepcopy(cls.PRESETS[preset]))
    params.update({k: param_value(k, v) for k, v in spec.get("params", {}).items()})
    if env.epochs is not None and issubclass(cls, NeuralClassifierBase):
        params["max_epochs"] = env.epochs
    if spec.get("sampler") == "bootstrap" and issubclass(cls, NeuralClassifierBase):
        # A network trains on the paper's balanced batches redrawn every epoch
        # (BalancedDataLoader, as FeatureMapCNNClassifier's "bootstrap-cnn" preset)
        params.update(_balanced_batches(spec, env))
    if spec.get("search") == "cv":
        return cls.from_preset_cv(preset, cv=env.settings["grid_cv"], **params)
    clf = cls(**params)
    if "grid" in spec:
        grid = {k: [param_value(k, c) for c in v] for k, v in spec["grid"].items()}
        clf = GridSearchCV(clf, grid, cv=env.settings["grid_cv"])
    return clf


def _balanced_batches(spec, env):
    """The classifier parameters of ``sampler = "bootstrap"`` on a network."""
    from ..sampling import BalancedDataLoader

    out = {"iterator_train": BalancedDataLoader, "iterator_train__batch_size": None,
           "iterator_train__random_state": env.random_state}
    out.update({f"iterator_train__{k}": param_value(k, v)
                for k, v in spec.get("sampler_params", {}).items()})
    return out


def _is_network(spec):
    from ..neural import NeuralClassifierBase

    return issubclass(classifier_table()[spec["classifier"]][0], NeuralClassifierBase)


def _member(spec, env):
    """A late-fusion member: ``(name, estimator, stream)``."""
    from imblearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    if "features" in spec:
        return (spec["name"], _pipeline(spec, env), None)
    clf = _classifier(spec, env)
    if spec.get("scale", False):
        clf = Pipeline([("scale", StandardScaler()), ("clf", clf)])
    return (spec["name"], clf, spec.get("stream"))


def _pipeline(spec, env):
    """sampler -> featurizer(s) -> [pool] -> [embed] -> [scale] -> classifier."""
    from imblearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..features import TemporalPooling

    steps = []
    sampler = spec.get("sampler", "none")
    if sampler == "oversample":
        steps.append(("resample", sampler_table()[sampler](
            **{"sequence_length": env.settings["sequence_length"],
               "random_state": env.random_state, **spec.get("sampler_params", {})})))
    elif sampler == "bootstrap" and not _is_network(spec):
        # Not a network: the bootstrapping CNN paper's batches as one balanced sample
        steps.append(("resample", sampler_table()[sampler](
            **{"random_state": env.random_state,
               **{k: param_value(k, v) for k, v in spec.get("sampler_params", {}).items()}})))
    features = spec.get("features", "spatial")
    video_level = spec["classifier"] not in SEQUENCE_CLASSIFIERS
    if features == "spatial+motion":
        steps.append(("streams", _two_streams(spec, env)))
    elif features != "none":
        steps.append(("features", _spatial(spec, env) if features == "spatial"
                      else _flow(spec, env)))
        if video_level and spec["classifier"] != "late_fusion":
            steps.append(("pool", TemporalPooling(spec.get("pool", "mean"))))
    if "embed" in spec:
        steps.append(("embed", _classifier(spec["embed"], env)))
    if spec.get("scale", False):
        steps.append(("scale", StandardScaler()))
    steps.append(("clf", _classifier(spec, env)))
    return Pipeline(steps)


def build_estimator(spec, env):
    """The unfitted estimator of one row (``spec``: the row's table at a size)."""
    pipe = _pipeline(spec, env)
    wrap = spec.get("wrap")
    if wrap is None:
        return pipe
    params = {k: param_value(k, v) for k, v in spec.get("wrap_params", {}).items()}
    if wrap == "clip_averaging":
        params.setdefault("random_state", env.random_state)
    return wrap_table()[wrap](pipe, **params)
