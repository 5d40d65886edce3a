"""A user's own comparison from a TOML file: rows of featurizer, sampler and classifier.

.. code-block:: toml

    [settings]                 # optional; every key optional
    baseline = "LSTM"          # the row the others are compared with (default: the first)
    paired_metric = "f1_macro" # accuracy, f1_macro, f1_weighted, balanced_accuracy
    metric = "mAP"             # shown beside the four common scores: hit@1 or mAP
    folds = 3
    epochs = 10
    input_size = 75
    sequence_length = 8
    backbone = "efficientnet_lite0"  # the spatial stream's network (default: --backbone)

    [[rows]]
    name = "LSTM"
    features = "spatial"       # spatial, motion, spatial+motion
    backbone = "lowlevel:hsv"  # this row's frame network (default: the settings' one)
    sampler = "oversample"     # none, oversample
    classifier = "lstm"
    [rows.params]              # the classifier's parameters
    hidden_sizes = [32]
    class_weight = "balanced"

    [[rows]]
    name = "chi2 SVM, C by grid search"
    features = "spatial"
    classifier = "chi2svc"     # video-level classifiers get mean-pooled features
    [rows.grid]                # GridSearchCV over the classifier's parameters
    C = [0.1, 1.0, 10.0]

tomllib reports no line for a valid but wrong key, so every error here names the key and
the line found by scanning the file's text.
"""

from __future__ import annotations

import hashlib
import re

import tomllib

__all__ = ["CLASSIFIERS", "ConfigError", "CompareConfig", "load_config"]

_SETTINGS = {"baseline": str, "paired_metric": str, "metric": str, "folds": int,
             "epochs": int, "input_size": int, "sequence_length": int, "grid_cv": int,
             "backbone": str}
_ROW_KEYS = {"name", "features", "sampler", "classifier", "params", "grid", "pool",
             "backbone"}
_FEATURES = ("spatial", "motion", "spatial+motion")
_SAMPLERS = ("none", "oversample")
_PAIRED = ("accuracy", "f1_macro", "f1_weighted", "balanced_accuracy")
_OWN = ("hit@1", "mAP")


def _sequence_classifiers():
    from ..neural import FrameVotingClassifier, LSTMClassifier, ResBiLSTMClassifier

    return {"lstm": (LSTMClassifier, {}), "bilstm": (LSTMClassifier, {"bidirectional": True}),
            "resbilstm": (ResBiLSTMClassifier, {}), "frame_voting": (FrameVotingClassifier, {})}


def _video_classifiers():
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    from ..fusion import Chi2SVC, EarlyFusionSVC, MKLClassifier
    from ..neural import FusionNetClassifier

    return {"chi2svc": (Chi2SVC, {"probability": True}),
            "svm_ef": (EarlyFusionSVC, {"probability": True}),
            "svm_mkl": (MKLClassifier, {"probability": True}),
            "fusion_net": (FusionNetClassifier, {}),
            "mlp": (MLPClassifier, {}), "logistic": (LogisticRegression, {"max_iter": 1000})}


#: Classifier names a row may use: sequence classifiers, then video-level ones.
CLASSIFIERS = ("lstm", "bilstm", "resbilstm", "frame_voting", "chi2svc", "svm_ef", "svm_mkl",
               "fusion_net", "mlp", "logistic")
_NEEDS_STREAMS = {"svm_ef", "svm_mkl", "fusion_net"}


class ConfigError(ValueError):
    """A config-file error: names the file, the line and the key."""


def key_line(text, path):
    """1-based line of the key ``path`` (e.g. ``("rows", 1, "params", "lr")``) in TOML text.

    The search narrows segment by segment: an integer picks the n-th ``[[table]]`` of the
    previous name, a name the first header or ``name =`` at or after the current line.
    Returns the deepest line found (the table's line when the key itself is absent).

    Examples
    --------
    >>> from skvideo_clf.protocols._config import key_line
    >>> text = "[[rows]]\\nname = 'a'\\n[[rows]]\\nname = 'b'\\n[rows.params]\\nlr = 1\\n"
    >>> key_line(text, ("rows", 1, "params", "lr")), key_line(text, ("rows", 1, "name"))
    (6, 4)
    """
    lines = text.splitlines()
    start, end, last = 0, len(lines), None
    table = None
    for seg in path:
        if isinstance(seg, int):
            header = re.compile(r"^\s*\[\[\s*" + re.escape(table or "") + r"\s*\]\]")
            hits = [i for i in range(start, end) if header.match(lines[i])]
            if seg < len(hits):
                start = hits[seg]
                end = hits[seg + 1] if seg + 1 < len(hits) else len(lines)
                last = start
            continue
        table = seg if table is None or last is None else table
        pattern = re.compile(r"^\s*\[{1,2}\s*([\w.\"-]+\.)?\"?" + re.escape(seg)
                             + r"\"?\s*\]{1,2}|(^|[{,\s])\"?" + re.escape(seg) + r"\"?\s*=")
        for i in range(start, end):
            if pattern.search(lines[i]):
                start = last = i
                break
        table = seg
    return None if last is None else last + 1


def _dotted(path):
    out = ""
    for seg in path:
        out += f"[{seg}]" if isinstance(seg, int) else (f".{seg}" if out else seg)
    return out


class CompareConfig:
    """A validated config file: its rows and settings (see :func:`load_config`).

    Attributes
    ----------
    protocol : Protocol
        The user's protocol (name ``"config:<file>"``).
    overrides : dict
        Settings that replace those of :func:`compare_config`.
    digest : str
        Of the file's text: part of every result's signature.
    backbone : str or None
        ``[settings] backbone``: the spatial stream's network of every row (None: the
        command line's ``--backbone``); a row's own ``backbone`` wins.
    """

    def __init__(self, path, text, data):
        from ._protocols import Protocol

        self.path, self.text, self.data = str(path), text, data
        self.digest = hashlib.sha256(text.encode()).hexdigest()[:16]
        settings = data.get("settings", {})
        self.overrides = {k: settings[k] for k in ("folds", "epochs", "input_size",
                                                   "sequence_length") if k in settings}
        self.grid_cv = settings.get("grid_cv")  # None: the configuration's inner_cv
        self.backbone = settings.get("backbone")  # None: the command line's --backbone
        names = [r["name"] for r in data["rows"]]
        self.protocol = Protocol(
            f"config:{self.path}", f"Your comparison ({self.path})", self._build,
            baseline=settings.get("baseline", names[0]), metric=settings.get("metric"),
            paired_metric=settings.get("paired_metric", "accuracy"))

    def rows(self, parts):
        """The ``(name, factory)`` rows, built on ``parts`` (a :class:`RowParts`)."""
        return self._build(parts)

    def _build(self, parts):
        return [(row["name"], _row_factory(row, parts, self.grid_cv)) for row in
                self.data["rows"]]


def _classifier(row, parts):
    name = row["classifier"]
    table = {**_sequence_classifiers(), **_video_classifiers()}
    cls, fixed = table[name]
    params = dict(fixed)
    from ..neural import NeuralClassifierBase

    if issubclass(cls, NeuralClassifierBase):
        params.update(max_epochs=parts.config["epochs"], device=parts.device)
    if "random_state" in cls().get_params():
        params["random_state"] = parts.random_state
    if name in _NEEDS_STREAMS:
        params["streams"] = parts.streams()
    params.update({k: _tuple(v) for k, v in row.get("params", {}).items()})
    return cls(**params)


def _tuple(value):
    # TOML has arrays only; the estimators take tuples (hidden_sizes, layer sizes)
    return tuple(value) if isinstance(value, list) else value


def _row_parts(row, parts):
    """``parts`` with the row's own ``backbone``, if it names one."""
    import dataclasses

    backbone = row.get("backbone", parts.backbone)
    if backbone == parts.backbone:
        return parts
    # resolved weights belong to the command's backbone: another one takes its own
    weights = None if parts.weights is None or backbone.startswith("lowlevel") else "auto"
    return dataclasses.replace(parts, backbone=backbone, weights=weights)


def _row_factory(row, parts, grid_cv):
    parts = _row_parts(row, parts)

    def factory():
        from imblearn.pipeline import Pipeline
        from sklearn.model_selection import GridSearchCV
        from sklearn.preprocessing import StandardScaler

        from ..features import TemporalPooling

        steps = []
        if row.get("sampler", "none") == "oversample":
            steps.append(("resample", parts.oversampler()))
        features = row.get("features", "spatial")
        video_level = row["classifier"] not in _sequence_classifiers()
        if features == "spatial+motion":
            steps.append(("streams", parts.two_streams()))
        else:
            steps.append(("features", parts.features() if features == "spatial"
                          else parts.flow()))
            if video_level:
                steps.append(("pool", TemporalPooling(row.get("pool", "mean"))))
        if row["classifier"] in ("mlp", "logistic", "fusion_net"):
            steps.append(("scale", StandardScaler()))
        clf = _classifier(row, parts)
        if "grid" in row:
            grid = {k: [_tuple(c) for c in v] for k, v in row["grid"].items()}
            clf = GridSearchCV(clf, grid, cv=grid_cv or parts.config["inner_cv"])
        steps.append(("clf", clf))
        return Pipeline(steps)
    return factory


def load_config(path):
    """Read and validate a comparison config file (TOML; see the module docstring).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    config : CompareConfig

    Raises
    ------
    ConfigError
        Unreadable file, TOML syntax, unknown key, bad value, unknown estimator or
        parameter: the message names the file, the line and the key.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> from skvideo_clf.protocols import load_config
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "grid.toml"
    >>> _ = path.write_text('[[rows]]\\nname = "svm"\\nclassifier = "chi2svc"\\nC = 1\\n')
    >>> load_config(path)
    Traceback (most recent call last):
    ...
    skvideo_clf.protocols._config.ConfigError: ...grid.toml, line 4: rows[0].C: unknown key; ...
    """
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the config file ({exc.strerror or exc}).")\
            from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None

    def fail(key_path, message):
        line = key_line(text, key_path)
        where = f", line {line}" if line else ""
        raise ConfigError(f"{path}{where}: {_dotted(key_path)}: {message}")

    for key in data:
        if key not in ("settings", "rows"):
            fail((key,), "unknown key; a config file has [settings] and [[rows]] tables.")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        fail(("settings",), "must be a table ([settings]).")
    for key, value in settings.items():
        if key not in _SETTINGS:
            fail(("settings", key), f"unknown key; choose from {sorted(_SETTINGS)}.")
        if not isinstance(value, _SETTINGS[key]) or isinstance(value, bool):
            fail(("settings", key), f"must be a {_SETTINGS[key].__name__}, got {value!r}.")
        if _SETTINGS[key] is int and value < (2 if key in ("folds", "grid_cv") else 1):
            fail(("settings", key), f"must be at least {2 if key in ('folds', 'grid_cv') else 1}"
                                    f", got {value}.")
    if not settings.get("backbone", "x").strip():
        fail(("settings", "backbone"), "must be a backbone name, got an empty string.")
    if settings.get("paired_metric", "accuracy") not in _PAIRED:
        fail(("settings", "paired_metric"), f"must be one of {_PAIRED}.")
    if settings.get("metric", "mAP") not in _OWN:
        fail(("settings", "metric"), f"must be one of {_OWN}.")
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        fail(("rows",), "at least one [[rows]] table is needed.")
    seen = set()
    for i, row in enumerate(rows):
        for key in row:
            if key not in _ROW_KEYS:
                fail(("rows", i, key), f"unknown key; a row has {sorted(_ROW_KEYS)}.")
        for key in ("name", "classifier"):
            if key not in row:
                fail(("rows", i), f"the row has no {key!r}.")
        if "backbone" in row and (not isinstance(row["backbone"], str)
                                  or not row["backbone"].strip()):
            fail(("rows", i, "backbone"), f"must be a backbone name (e.g. \"inception_v3\", "
                                          f"\"lowlevel:hsv\"), got {row['backbone']!r}.")
        if not isinstance(row["name"], str) or row["name"] in seen:
            fail(("rows", i, "name"), f"must be a unique string, got {row['name']!r}.")
        seen.add(row["name"])
        if row["classifier"] not in CLASSIFIERS:
            fail(("rows", i, "classifier"), f"unknown estimator {row['classifier']!r}; "
                                            f"choose one of {CLASSIFIERS}.")
        for key, options in (("features", _FEATURES), ("sampler", _SAMPLERS),
                             ("pool", ("mean", "max"))):
            if key in row and row[key] not in options:
                fail(("rows", i, key), f"unknown value {row[key]!r}; choose one of {options}.")
        if row["classifier"] in _NEEDS_STREAMS and row.get("features") != "spatial+motion":
            fail(("rows", i, "classifier"), f"{row['classifier']} fuses two streams: set "
                                            "features = \"spatial+motion\".")
        _check_params(row, i, fail)
    if settings.get("baseline", rows[0]["name"]) not in seen:
        fail(("settings", "baseline"), f"names no row; rows are {sorted(seen)}.")
    return CompareConfig(path, text, data)


def _check_params(row, i, fail):
    """Let the estimator judge its parameters (its ``_parameter_constraints``)."""
    from sklearn.utils._param_validation import InvalidParameterError

    cls, fixed = {**_sequence_classifiers(), **_video_classifiers()}[row["classifier"]]
    known = set(cls().get_params())
    for block in ("params", "grid"):
        if block not in row:
            continue
        if not isinstance(row[block], dict):
            fail(("rows", i, block), "must be a table of parameter = value.")
        for key, value in row[block].items():
            if key not in known and not key.startswith(("optimizer__", "module__")):
                fail(("rows", i, block, key), f"unknown parameter of {cls.__name__}.")
            if block == "grid" and (not isinstance(value, list) or not value):
                fail(("rows", i, block, key), "must be a non-empty list of candidates.")
            candidates = value if block == "grid" else [value]
            for candidate in candidates:
                if isinstance(candidate, list):
                    candidate = tuple(candidate)
                try:
                    est = cls(**{**fixed, key: candidate})
                    if hasattr(est, "_validate_params"):
                        est._validate_params()
                except (InvalidParameterError, TypeError, ValueError) as exc:
                    fail(("rows", i, block, key), f"bad value {candidate!r} ({exc}).")
