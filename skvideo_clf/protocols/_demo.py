"""The demo's configuration, data and model rows: seed 000's Table I, then seed 004.

``skvideo-clf demo`` is ``skvideo-clf compare --protocol demo`` on the embedded synthetic
set: the ``demo`` protocol (:data:`~skvideo_clf.protocols.PROTOCOLS`) is built from the
functions here.
"""

from __future__ import annotations

__all__ = ["DEMO_SIZES", "demo_config", "demo_dataset", "demo_presets"]

#: The named configurations of :func:`demo_config`.
DEMO_SIZES = ("quick", "default", "full")

_SMALL_FLOW = dict(n_stack=2, flow_size=32, grid=2)

_CONFIGS = {
    # paper-sized: full class sizes, 299 px, 40 frames, the papers' presets; meant for a GPU
    "full": dict(scale=1.0, n_frames=48, frame_size=(64, 64), input_size=299,
                 sequence_length=40, epochs=100, folds=5, hidden=None,
                 flow=dict(n_stack=10, flow_size=64, grid=3)),
    # a smoke test, about 30 s on two CPU cores
    "quick": dict(scale=0.05, n_frames=8, frame_size=(32, 32), input_size=75,
                  sequence_length=4, epochs=15, folds=2, hidden=32, flow=_SMALL_FLOW),
    # a few minutes on two CPU cores
    "default": dict(scale=0.1, n_frames=16, frame_size=(32, 32), input_size=75,
                    sequence_length=8, epochs=30, folds=3, hidden=64, flow=_SMALL_FLOW),
}


def demo_config(size="default", *, scale=None, input_size=None, sequence_length=None,
                epochs=None, folds=None):
    """The settings of ``skvideo-clf demo``: one of :data:`DEMO_SIZES`, with overrides.

    Parameters
    ----------
    size : {"quick", "default", "full"}, default="default"
        ``"full"`` is the papers' configuration (class sizes of the disaster set, 299 px,
        40 frames, the papers' network widths, 5 folds).
    scale, input_size, sequence_length, epochs, folds : default=None
        Replace the size's value when not None.

    Returns
    -------
    config : dict
        ``size``, ``scale`` (class sizes relative to 400..40), ``n_frames`` and
        ``frame_size`` (of the synthetic videos), ``input_size``, ``sequence_length``,
        ``epochs``, ``folds``, ``hidden`` (network width; None for the papers' presets)
        and ``flow`` (optical-flow parameters of the motion stream): the keys
        :class:`~skvideo_clf.protocols.RowParts` reads, as
        :func:`~skvideo_clf.protocols.compare_config`'s.

    Examples
    --------
    >>> from skvideo_clf.protocols import demo_config
    >>> cfg = demo_config("quick", folds=3)
    >>> cfg["input_size"], cfg["sequence_length"], cfg["folds"], cfg["hidden"]
    (75, 4, 3, 32)
    """
    return sized_config(_CONFIGS, size, scale=scale, input_size=input_size,
                        sequence_length=sequence_length, epochs=epochs, folds=folds)


def sized_config(configs, size, **overrides):
    """``configs[size]`` as a fresh dict (its ``flow`` copied too), with ``size`` and the
    overrides that are not None; the one builder of the demo's and compare's settings."""
    if size not in configs:
        raise ValueError(f"size must be one of {sorted(configs)}, got {size!r}.")
    cfg = {"size": size, **configs[size]}
    cfg["flow"] = dict(cfg["flow"])
    cfg.update({k: v for k, v in overrides.items() if v is not None})
    return cfg


def demo_dataset(config, *, random_state=0):
    """The demo's synthetic videos: 7 classes sized like seed 000's disaster set.

    Parameters
    ----------
    config : dict
        From :func:`demo_config` (``scale``, ``n_frames``, ``frame_size`` are read).
    random_state : int, default=0
        Seed of :func:`~skvideo_clf.datasets.make_video_classification`.

    Returns
    -------
    X : ndarray of object, shape (n_videos,)
        One ``(n_frames, H, W, 3)`` uint8 video per entry.
    y : ndarray of str, shape (n_videos,)
        Class labels.
    sizes : list of int
        Videos per class, largest first.

    Examples
    --------
    >>> from skvideo_clf.protocols import demo_config, demo_dataset
    >>> X, y, sizes = demo_dataset(demo_config("quick", scale=0.02))
    >>> sizes, X.shape, X[0].shape
    ([8, 5, 4, 3, 2, 2, 2], (26,), (8, 32, 32, 3))
    """
    from ..datasets import disaster_class_sizes, make_video_classification
    from ..utils import object_array

    sizes = disaster_class_sizes(config["scale"])
    videos, y = make_video_classification(sizes, n_frames=config["n_frames"],
                                          frame_size=config["frame_size"], clips_per_group=1,
                                          random_state=random_state)
    return object_array(videos), y, sizes


def demo_presets(config, *, weights="auto", device="cpu", memory=None, random_state=0):
    """The demo's rows: seed 000's Table I, then seed 004's spatial and fusion baselines.

    1. CNN-LSTM;
    2. CNN-LSTM + class weighting;
    3. CNN-LSTM + oversampling (:class:`~skvideo_clf.sampling.SpatioTemporalOversampler`);
    4. CNN-LSTM + oversampling + weighting;
    5. ResBiLSTM + oversampling;
    6. ResBiLSTM + oversampling + weighting;
    7. a chi2-kernel SVM on mean-pooled InceptionV3 features;
    8. an SVM on the early fusion of the spatial and optical-flow streams;
    9. the regularized fusion network on the same two streams.

    Rows 1-6 are seed 000's Table I, named as :data:`PAPER_TABLE_I`. They differ only in
    what the table says: the CNN-LSTM rows share one network and the ResBiLSTM rows another,
    and all six share one optimiser ("the same CNN-LSTM architecture", lines 519-524): with
    ``hidden=None`` the seed000 presets of :class:`~skvideo_clf.neural.LSTMClassifier` and
    :class:`~skvideo_clf.neural.ResBiLSTMClassifier` (Adam, lr 1e-6, L2 3e-4, width 1024),
    otherwise small nets of width ``hidden`` with the library's default optimiser. The
    weighted rows use ``class_weight="balanced"``; behind the over-sampler (rows 4 and 6)
    the weights count the training fold's classes *before* resampling, as the paper gives
    "higher weights to the minority classes" (line 520-521): the runner
    (:func:`run_rows`) passes the fold's labels as the classifier's
    ``y_before_resampling``. To fit such a row yourself, do the same:
    ``pipe.fit(X, y, clf__y_before_resampling=y)``.

    Parameters
    ----------
    config : dict
        From :func:`demo_config` (``input_size``, ``sequence_length``, ``epochs`` and
        ``hidden`` are read; ``hidden=None`` selects the papers' presets).
    weights : str or path-like, default="auto"
        InceptionV3 weights of every featurizer.
    device : {"cpu", "cuda"}, default="cpu"
        Where the featurizers and networks run.
    memory : str, default=None
        Frame-feature cache folder shared by every row (reruns and folds reuse features).
    random_state : int, default=0
        Seed of every sampler, featurizer and classifier.

    Returns
    -------
    presets : list of (str, callable)
        ``(name, factory)``; ``factory()`` returns a fresh, unfitted imblearn Pipeline from
        videos to labels.

    Examples
    --------
    >>> from skvideo_clf.protocols import demo_config, demo_presets
    >>> presets = demo_presets(demo_config("quick"), weights="tf2015")
    >>> len(presets), presets[5][0]
    (9, 'ResBiLSTM + oversampling + weighting')
    >>> [name for name, _ in presets[5][1]().steps]
    ['resample', 'features', 'clf']
    """
    from ._protocols import RowParts

    config = {"size": "default", "flow": dict(_CONFIGS["full" if config.get("hidden") is None
                                                      else "default"]["flow"]), **config}
    return _demo_rows(RowParts(config, weights=weights, device=device, memory=memory,
                              random_state=random_state))


def _demo_rows(p):
    """The rows of :func:`demo_presets`, built from a :class:`RowParts` (the ``demo``
    protocol's ``build``: the spatial stream is ``p``'s backbone)."""
    from imblearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from ..features import TemporalPooling
    from ..fusion import Chi2SVC, EarlyFusionSVC

    seed = p.random_state

    def pipe(*steps):
        return lambda: Pipeline([step() for step in steps])

    def feats():
        return ("features", p.features())

    def over():
        return ("resample", p.oversampler())

    def clf(make, **kw):
        return lambda: ("clf", make(**kw))

    # seed 000's configurations (hidden=None): one optimiser for every row
    def lstm(**kw):
        return p.lstm("seed000", **kw)

    return [
        ("CNN-LSTM", pipe(feats, clf(lstm))),
        ("CNN-LSTM + class weighting", pipe(feats, clf(lstm, class_weight="balanced"))),
        ("CNN-LSTM + oversampling", pipe(over, feats, clf(lstm))),
        ("CNN-LSTM + oversampling + weighting",
         pipe(over, feats, clf(lstm, class_weight="balanced"))),
        ("ResBiLSTM + oversampling", pipe(over, feats, clf(p.resbilstm, class_weight=None))),
        ("ResBiLSTM + oversampling + weighting",
         pipe(over, feats, clf(p.resbilstm, class_weight="balanced"))),
        ("Spatial SVM (chi2, mean-pooled)",
         pipe(feats, lambda: ("pool", TemporalPooling("mean")),
              clf(Chi2SVC, class_weight="balanced", random_state=seed))),
        # seed 004's two streams: optical-flow histograms (motion) and frame features
        # (spatial), each mean-pooled over time, side by side as named column blocks
        ("SVM early fusion (spatial + motion)",
         pipe(lambda: ("streams", p.two_streams()),
              clf(EarlyFusionSVC, streams=p.streams(), class_weight="balanced",
                  random_state=seed))),
        ("Regularized fusion network (spatial + motion)",
         pipe(lambda: ("streams", p.two_streams()), lambda: ("scale", StandardScaler()),
              clf(p.fusion_net))),
    ]
