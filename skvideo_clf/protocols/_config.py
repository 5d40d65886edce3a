"""A comparison as data: the protocol file format, its validation, and the one row builder.

Every built-in protocol (``skvideo-clf compare --protocol NAME``, the demo included) is a
TOML file shipped in ``skvideo_clf/protocols/builtin/``, and a user's ``compare --config
FILE.toml`` is read by the same code: copy a built-in file (``compare --protocol NAME
--show``), edit one line, run it. :func:`build_rows` turns any such file into estimators.

Format
------

.. code-block:: toml

    [protocol]                 # optional: what the comparison reproduces
    title = "My grid"          # the report's header
    paper = "Title of the paper"
    table = "Table I"
    paper_columns = ["Acc"]    # titles of the paper's numbers (rows' ``paper``)
    paper_metrics = ["accuracy"]  # our metric of each column ("" for none), for the plot
    imbalance = false          # make training splits imbalanced first (Table II rule)
    dataset = "synthetic-disaster"  # data of its own (the demo); else DATA_DIR is needed
    notes = "..."              # how the run differs from the paper, for the report

    [settings]                 # every key optional; a size table replaces values
    baseline = "LSTM"          # the row the others are compared with (default: the first)
    paired_metric = "f1_macro" # accuracy, f1_macro, f1_weighted, balanced_accuracy
    metric = "mAP"             # shown beside the four common scores: hit@1 or mAP
    folds = 5                  # cross-validation folds without split files
    epochs = 100               # max_epochs of every network whose row does not set it
    input_size = 299           # frame size of the spatial featurizer
    sequence_length = 40       # frames per video of featurizers and the over-sampler
    grid_cv = 5                # inner folds of [rows.grid] and of lambda searches
    backbone = "inception_v3"  # the spatial stream's network (default: --backbone)
    imbalance_min_count = 10   # the imbalanced-UCF101 rule's lower bound
    flow = {n_stack = 10, flow_size = 64, grid = 3}  # the motion stream's optical flow
    # (also n_bins and subtract_mean = true: each flow field minus its mean, as [33])
    motion = "histogram"       # the motion stream: flow histograms (default), or a network
    # trained on the flow stacks, its first FC layer per stack (see below)
    [settings.quick]           # replaces values with --quick (also [settings.default],
    epochs = 10                # [settings.full])

    [[rows]]
    name = "LSTM"              # unique, at most 100 characters
    paper = [0.589]            # the paper's numbers, in paper_columns order
    note = "as the paper"      # or "not as the paper: ...", for the reproducing page
    features = "spatial"       # spatial, motion, spatial+motion, none (a dummy row)
    backbone = "lowlevel:hsv"  # this row's frame network (default: the settings' one)
    featurizer = {sequence_length = "all", frame_sampling = "fps"}  # featurizer params
    sampler = "oversample"     # none, oversample, bootstrap (see below)
    sampler_params = {keep_original = false}  # the sampler's parameters
    classifier = "lstm"        # see CLASSIFIERS
    preset = "hybrid-fusion"   # the classifier's from_preset name
    search = "cv"              # the preset's own cross-validated grid (from_preset_cv)
    scale = true               # StandardScaler before the classifier
    pool = "mean"              # video-level classifiers get pooled features (mean, max)
    [rows.params]              # the classifier's parameters (any it takes)
    hidden_sizes = [32]        # arrays become tuples
    optimizer = "Adam"         # a torch.optim class by name; "None" is Python's None
    optimizer__weight_decay = 3e-4
    callbacks = ["framestack"] # a network's callbacks by name (see below)
    callbacks__framestack__ratio = 0.5  # a callback's parameter, as skorch names it
    [rows.grid]                # GridSearchCV over the classifier's parameters
    lr = [1e-3, 1e-4]
    [rows.quick]               # any row key replaced with --quick; params, featurizer,
    params = {hidden_sizes = [8]}  # sampler_params and grid are merged key by key

A row may also have ``embed`` (a table ``{classifier, preset, params}``: a classifier
fitted before the row's classifier and used as a transformer, e.g. a frame CNN whose FC
activations feed an LSTM), ``members`` (an array of row-like tables of a ``late_fusion``
row: a member with ``stream`` sees that stream's columns of the row's features, one with
``features`` reads the videos itself) and ``wrap`` with ``wrap_params`` (the whole
pipeline inside a meta-estimator: ``"head_transfer"`` for
:class:`~skvideo_clf.protocols.HeadTransferClassifier`, ``"clip_averaging"`` for
:class:`~skvideo_clf.inference.ClipAveragingClassifier`, e.g. ``wrap_params = {n_clips =
5}``; its ``random_state`` defaults to the run's).

The motion stream (``features = "motion"`` and the motion half of ``"spatial+motion"``)
is optical-flow histograms unless the ``motion`` setting names a network: ``motion =
{classifier = "motion_cnn", preset = "hybrid-fusion", params = {...}}`` trains
:class:`~skvideo_clf.neural.MotionCNNClassifier` on the training videos' flow stacks
(``OpticalFlowTransformer(output="stack")`` with the ``flow`` setting) and gives its first
FC layer per stack: ``(n_videos, T, 4096)`` for CNN-M-2048, read as is by sequence
classifiers and mean-pooled for the others. The network is fitted once per training set:
with a cache folder (``--cache``), every row of a fold that reads it loads the first row's
fit (:class:`~skvideo_clf.protocols._shared_fit.SharedFitTransformer`, keyed on the
network's parameters, the labels and the videos' content); without one, each row trains
its own. ``--show`` writes it with its preset name.

Samplers: ``"oversample"`` is :class:`~skvideo_clf.sampling.SpatioTemporalOversampler`
(the CNN-ResBiLSTM paper's Algorithm 1), a pipeline step before the featurizer.
``"bootstrap"`` is the bootstrapping CNN paper's balanced pseudo-batches (its Table I and
Eq. 3): a network (``lstm``, ``resbilstm``, ...) trains on them, redrawn every epoch, through
``iterator_train = BalancedDataLoader`` (``sampler_params`` become its
``iterator_train__*`` parameters: ``batch_size`` (default: twice the positives, as the
paper), ``positive_class``, ``n_iterations``, ``random_state``); any other classifier gets
one balanced bootstrap sample from a :class:`~skvideo_clf.sampling.BootstrapSampler` step
with the same parameters.

Callbacks: ``callbacks`` in a network's ``params`` names skorch callbacks of
:mod:`skvideo_clf.neural` by their class name in lower case (``"framestack"``:
:class:`~skvideo_clf.neural.FrameStack`, VideoLT's frame-level resampling); each is set by
``callbacks__<name>__<param>``. An unknown name or parameter is a config error.

Every comparison also gets a chance row (:data:`CHANCE_ROW`, never the baseline).

``tomllib`` reports no line for a valid but wrong key, so every error names the key and the
line found by scanning the file's text.
"""

from __future__ import annotations

import copy
import hashlib
import re
from dataclasses import dataclass, field

import tomllib

from ._builder import (
    CLASSIFIERS,
    N_BINS,
    NEEDS_STREAMS,
    SAMPLERS,
    WRAPS,
    Env,
    _is_network,
    build_estimator,
    callback_table,
    classifier_table,
    param_value,
    sampler_table,
    wrap_table,
)
from ._toml import dump_toml, toml_value

__all__ = ["CHANCE_ROW", "ConfigError", "Protocol", "load_config", "parse_protocol"]

SIZES = ("quick", "default", "full")
_SETTINGS = {"baseline": str, "paired_metric": str, "metric": str, "folds": int,
             "epochs": int, "input_size": int, "sequence_length": int, "grid_cv": int,
             "backbone": str, "imbalance_min_count": int, "flow": dict, "motion": object,
             "scale": float, "n_frames": int, "frame_size": list}
_PROTOCOL = {"title": str, "paper": str, "table": str, "paper_columns": list,
             "paper_metrics": list,
             "imbalance": bool, "dataset": str, "notes": str}
_ROW_KEYS = {"name", "paper", "note", "features", "backbone", "featurizer", "sampler",
             "sampler_params", "classifier", "preset", "search", "scale", "pool", "params",
             "grid", "embed", "members", "stream", "wrap", "wrap_params", *SIZES}
_MERGED = ("params", "featurizer", "sampler_params", "grid", "wrap_params")
_FEATURES = ("spatial", "motion", "spatial+motion", "none")
_PAIRED = ("accuracy", "f1_macro", "f1_weighted", "balanced_accuracy")
_OWN = ("hit@1", "mAP")
_FLOW = {"n_stack", "flow_size", "grid", "n_bins", "subtract_mean"}
#: What a ``motion`` setting's table may name: a network trained on flow stacks.
_MOTION_NETWORKS = ("motion_cnn",)
_DATASETS = ("synthetic-disaster",)
#: Longest row name: it names a report folder.
MAX_NAME = 100

#: The chance reference of every comparison. ``most_frequent``: it always answers the
#: majority class, so its accuracy is the majority's share (what a row must beat on
#: imbalanced data) and its balanced accuracy is exactly 1 / n_classes; it draws nothing at
#: random, so it has no variance of its own to explain.
CHANCE_ROW = "Chance (majority class)"


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


def _merge(base, over):
    """``base`` with ``over``'s keys; the tables of :data:`_MERGED` merged key by key."""
    out = {k: v for k, v in base.items() if k not in SIZES}
    for key, value in over.items():
        if key in _MERGED and isinstance(value, dict):
            out[key] = {**out.get(key, {}), **value}
        else:
            out[key] = value
    return out


def _sized(table, size):
    """A table's values at ``size``: its own keys, then its ``[size]`` table's."""
    merged = _merge(table, table.get(size, {}))
    if "flow" in table and "flow" in table.get(size, {}):
        merged["flow"] = {**table["flow"], **table[size]["flow"]}
    return merged


@dataclass
class Protocol:
    """One comparison read from a protocol file (see the module docstring for the format).

    Attributes
    ----------
    name : str
        The protocol id (a built-in's file name), or ``"config:<file>"``.
    path, text : str
        The file and its text; ``digest`` is part of every result's signature.
    data : dict
        The parsed file.
    """

    name: str
    path: str
    text: str
    data: dict
    digest: str = field(init=False)

    def __post_init__(self):
        self.digest = hashlib.sha256(self.text.encode()).hexdigest()[:16]
        head = self.data.get("protocol", {})
        self.paper_title = head.get("paper")
        self.table = head.get("table")
        self.title = head.get("title") or (
            f"{self.paper_title}, {self.table}" if self.paper_title else
            f"Your comparison ({self.path})")
        self.paper_columns = tuple(head.get("paper_columns", ()))
        self.imbalance = head.get("imbalance", False)
        self.dataset = head.get("dataset")
        self.notes = head.get("notes", "")
        settings = self.data.get("settings", {})
        names = [r["name"] for r in self.data["rows"]]
        self.baseline = settings.get("baseline", names[0])
        self.metric = settings.get("metric")
        self.paired_metric = settings.get("paired_metric", "accuracy")
        self.paper = {r["name"]: tuple(r["paper"]) for r in self.data["rows"]
                      if "paper" in r}

    # -- sizes ----------------------------------------------------------------------------
    def config(self, size="default", **overrides):
        """The settings at ``size`` with the overrides that are not None.

        Examples
        --------
        >>> from skvideo_clf.protocols import get_protocol
        >>> get_protocol("two-stream-table2").config("quick", folds=4)["folds"]
        4
        """
        if size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}, got {size!r}.")
        cfg = {"size": size, **_DEFAULT_SETTINGS,
               **_sized(self.data.get("settings", {}), size)}
        cfg["flow"] = {**_DEFAULT_SETTINGS["flow"], **cfg.get("flow", {})}
        cfg.pop("baseline", None), cfg.pop("metric", None), cfg.pop("paired_metric", None)
        cfg.update({k: v for k, v in overrides.items() if v is not None})
        return cfg

    def row_specs(self, size="default"):
        """The rows at ``size``: each row's own keys, then its ``[rows.SIZE]`` table's."""
        out = []
        for row in self.data["rows"]:
            spec = _sized(row, size)
            if "members" in spec:
                spec["members"] = [_sized(m, size) for m in spec["members"]]
            if "embed" in spec:
                spec["embed"] = _sized(spec["embed"], size)
            out.append(spec)
        return out

    # -- estimators -----------------------------------------------------------------------
    def rows(self, size="default", *, config=None, backbone=None, weights=None,
             device="cpu", memory=None, random_state=0, epochs=None, chance=True):
        """``[(name, factory)]``: ``factory()`` is a fresh, unfitted estimator of the row.

        Parameters
        ----------
        size : {"quick", "default", "full"}
        config : dict, default=None
            The settings (:meth:`config`); None: ``self.config(size)``.
        backbone : str, default=None
            The spatial stream's network; None: the file's ``backbone`` setting, else
            ``"inception_v3"``.
        weights, device, memory, random_state
            Of every featurizer and network (``memory``: the shared frame cache).
        epochs : int, default=None
            Every network's ``max_epochs`` (the command line's ``--epochs``).
        chance : bool, default=True
            Append :data:`CHANCE_ROW` unless the file has a ``dummy`` row.
        """
        cfg = self.config(size) if config is None else config
        env = Env(cfg, backbone or cfg.get("backbone") or "inception_v3", weights, device,
                  memory, random_state, epochs)
        specs = self.row_specs(size)
        if chance and not any(s["classifier"] == "dummy" for s in specs):
            specs.append({"name": CHANCE_ROW, "features": "none", "classifier": "dummy"})
        return [(spec["name"], _factory(spec, env)) for spec in specs]

    @staticmethod
    def build_row(spec, settings, **options):
        """One row's unfitted estimator from its table, outside any file (``fit``'s options).

        ``settings`` holds ``size``, ``input_size`` (None: the backbone's own),
        ``sequence_length``, ``epochs`` and ``grid_cv``; ``options`` are those of
        :meth:`rows` but ``epochs`` and ``chance``.
        """
        settings = {"flow": dict(_DEFAULT_SETTINGS["flow"]), **settings}
        backbone = options.pop("backbone", None) or "inception_v3"
        return build_estimator(spec, Env(settings, backbone, **options))

    def is_chance(self, name):
        """Whether row ``name`` is a chance reference (a ``dummy`` classifier)."""
        if name == CHANCE_ROW:
            return True
        return any(r["name"] == name and r["classifier"] == "dummy"
                   for r in self.data["rows"])

    def paper_metric_columns(self):
        """``{metric: index of its paper column}`` (``paper_metrics``), for the plot."""
        names = self.data.get("protocol", {}).get("paper_metrics", [])
        return {m: i for i, m in enumerate(names) if m}

    def show(self, size="default", *, config=None, backbone=None, epochs=None):
        """The file at ``size`` as TOML, every preset expanded: exactly what will run.

        Given back to :func:`load_config`, it builds the same rows.

        Parameters
        ----------
        size : {"quick", "default", "full"}
        config : dict, default=None
            The settings to write (:meth:`config` with the command line's overrides);
            None: ``self.config(size)``.
        backbone : str, default=None
            Written as the ``backbone`` setting when given.
        epochs : int, default=None
            Every network's ``max_epochs`` (``--epochs``: it overrides the rows' own, as
            the run does); None: the file's.

        Examples
        --------
        >>> from skvideo_clf.protocols import get_protocol
        >>> text = get_protocol("resbilstm-table1").show("full")
        >>> 'lr = 1e-06' in text, 'preset =' in text
        (True, False)
        """
        cfg = dict(self.config(size) if config is None else config)
        cfg.pop("size")
        if backbone:
            cfg["backbone"] = backbone
        head = dict(self.data.get("protocol", {}))
        head.setdefault("title", self.title)
        settings = {**cfg, "baseline": self.baseline, "paired_metric": self.paired_metric}
        if self.metric:
            settings["metric"] = self.metric
        if epochs is not None and isinstance(settings.get("motion"), dict):
            # the preset stays by name (its LRScheduler is no TOML value)
            motion = settings["motion"]
            settings["motion"] = {**motion, "params": {**motion.get("params", {}),
                                                       "max_epochs": epochs}}
        rows = [_resolved_spec(spec, cfg, epochs) for spec in self.row_specs(size)]
        return dump_toml({"protocol": head, "settings": settings, "rows": rows},
                         header=f"{self.title}: the {size} configuration, every preset "
                                "resolved (skvideo-clf compare --config FILE runs it).")


#: Settings every file starts from (the default size of the CPU).
_DEFAULT_SETTINGS = dict(folds=3, epochs=30, input_size=149, sequence_length=8, grid_cv=3,
                         imbalance_min_count=10,
                         flow=dict(n_stack=2, flow_size=32, grid=2, n_bins=N_BINS))


def _factory(spec, env):
    def factory():
        return build_estimator(spec, env)
    return factory


def _resolved_spec(spec, cfg, epochs=None):
    """A row with its preset's parameters written out (for ``--show``), and ``epochs``
    (``--epochs``) as every network's ``max_epochs``."""
    out = {k: v for k, v in spec.items() if k not in ("preset",)}
    if "preset" in spec and spec.get("search") != "cv":
        cls, _ = classifier_table()[spec["classifier"]]
        preset = copy.deepcopy(cls.PRESETS[spec["preset"]])
        out["params"] = {**{k: toml_value(v) for k, v in preset.items()},
                         **spec.get("params", {})}
    elif "preset" in spec:
        out["preset"] = spec["preset"]
    if epochs is not None and "classifier" in spec and _is_network(spec):
        out["params"] = {**out.get("params", {}), "max_epochs": epochs}
    if "embed" in spec:
        out["embed"] = _resolved_spec(spec["embed"], cfg, epochs)
    if "members" in spec:
        out["members"] = [_resolved_spec(m, cfg, epochs) for m in spec["members"]]
    return out


# --- reading and checking ----------------------------------------------------------------

def parse_protocol(text, path, *, name=None):
    """A :class:`Protocol` from a file's text, checked; :class:`ConfigError` otherwise."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None
    _check(data, text, path)
    return Protocol(name or f"config:{path}", str(path), text, data)


def load_config(path):
    """Read and validate a comparison file (TOML; see :mod:`skvideo_clf.protocols`).

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    protocol : Protocol

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
    return parse_protocol(text, path)


def _check(data, text, path):
    def fail(key_path, message):
        line = key_line(text, key_path)
        where = f", line {line}" if line else ""
        raise ConfigError(f"{path}{where}: {_dotted(key_path)}: {message}")

    for key in data:
        if key not in ("protocol", "settings", "rows"):
            fail((key,), "unknown key; a config file has [protocol], [settings] and [[rows]] "
                         "tables.")
    head = data.get("protocol", {})
    for key, value in head.items():
        if key not in _PROTOCOL:
            fail(("protocol", key), f"unknown key; choose from {sorted(_PROTOCOL)}.")
        if not isinstance(value, _PROTOCOL[key]):
            fail(("protocol", key), f"must be a {_PROTOCOL[key].__name__}, got {value!r}.")
    if head.get("dataset", _DATASETS[0]) not in _DATASETS:
        fail(("protocol", "dataset"), f"must be one of {_DATASETS}.")
    settings = data.get("settings", {})
    if not isinstance(settings, dict):
        fail(("settings",), "must be a table ([settings]).")
    _check_settings(settings, ("settings",), fail)
    for size in SIZES:
        if size in settings:
            _check_settings(settings[size], ("settings", size), fail)
    rows = data.get("rows")
    if not isinstance(rows, list) or not rows:
        fail(("rows",), "at least one [[rows]] table is needed.")
    seen = set()
    for i, row in enumerate(rows):
        if not isinstance(row.get("name"), str) or not row["name"].strip() \
                or row["name"] in seen:
            fail(("rows", i, "name"), f"must be a unique, non-empty string, got "
                                      f"{row.get('name')!r}.")
        if len(row["name"]) > MAX_NAME:
            fail(("rows", i, "name"), f"{len(row['name'])} characters; at most {MAX_NAME} "
                                      "(it names the row's report folder).")
        if row["name"] == CHANCE_ROW:
            fail(("rows", i, "name"), f"{CHANCE_ROW!r} is the chance row every comparison "
                                      "gets; name yours otherwise.")
        seen.add(row["name"])
        _check_row(row, ("rows", i), fail, settings)
        for size in SIZES:
            if size in row:
                _check_row(_sized(row, size), ("rows", i, size), fail, settings)
    baseline = settings.get("baseline", rows[0]["name"])
    if baseline not in seen:
        fail(("settings", "baseline"), f"names no row; rows are {sorted(seen)}.")
    if any(r["name"] == baseline and r.get("classifier") == "dummy" for r in rows):
        fail(("settings", "baseline"), "a chance (dummy) row is a reference, never the "
                                       "baseline.")
    n = len(head.get("paper_columns", ()))
    if len(head.get("paper_metrics", [None] * n)) != n:
        fail(("protocol", "paper_metrics"), f"one metric name per paper column ({n}).")
    for m in head.get("paper_metrics", []):
        if m and m not in (*_PAIRED, *_OWN):
            fail(("protocol", "paper_metrics"), f"unknown metric {m!r}; choose from "
                                                f"{(*_PAIRED, *_OWN)} or \"\".")
    if "paper" in head or "paper_columns" in head:
        for i, row in enumerate(rows):
            if "paper" in row and len(row["paper"]) != n:
                fail(("rows", i, "paper"), f"{len(row['paper'])} numbers for {n} "
                                           "paper_columns.")


def _check_settings(settings, where, fail):
    for key, value in settings.items():
        if key in SIZES and len(where) == 1:
            if not isinstance(value, dict):
                fail((*where, key), "must be a table of settings.")
            continue
        if key not in _SETTINGS:
            fail((*where, key), f"unknown key; choose from {sorted(_SETTINGS)}.")
        kind = _SETTINGS[key]
        if key == "motion":
            _check_motion(value, (*where, key), fail)
            continue
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or isinstance(value, bool):
            fail((*where, key), f"must be a {kind.__name__}, got {value!r}.")
        if kind is int and value < (2 if key in ("folds", "grid_cv") else 1):
            fail((*where, key), f"must be at least {2 if key in ('folds', 'grid_cv') else 1}"
                                f", got {value}.")
        if key == "flow":
            for k, v in value.items():
                if k not in _FLOW:
                    fail((*where, key, k), f"unknown key; choose from {sorted(_FLOW)}.")
                if k == "subtract_mean":
                    if not isinstance(v, bool):
                        fail((*where, key, k), f"must be true or false, got {v!r}.")
                    continue
                if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                    fail((*where, key, k), f"must be a positive integer, got {v!r}.")
    if not settings.get("backbone", "x").strip():
        fail((*where, "backbone"), "must be a backbone name, got an empty string.")
    if settings.get("paired_metric", "accuracy") not in _PAIRED:
        fail((*where, "paired_metric"), f"must be one of {_PAIRED}.")
    if settings.get("metric", "mAP") not in _OWN:
        fail((*where, "metric"), f"must be one of {_OWN}.")


def _check_motion(value, where, fail):
    """``motion``: "histogram", or a network table ``{classifier, preset, params}``."""
    if value == "histogram":
        return
    if not isinstance(value, dict):
        fail(where, f"must be \"histogram\" or a table {{classifier = \"motion_cnn\", "
                    f"preset = ..., params = {{...}}}}, got {value!r}.")
    extra = set(value) - {"classifier", "preset", "params"}
    if extra:
        fail((*where, sorted(extra)[0]), "unknown key; a motion network has classifier, "
                                         "preset and params.")
    if value.get("classifier") not in _MOTION_NETWORKS:
        fail((*where, "classifier"), f"must be one of {_MOTION_NETWORKS} (a network "
                                     f"trained on flow stacks), got "
                                     f"{value.get('classifier')!r}.")
    _check_row(value, where, fail, {}, member=True)


def _check_row(row, where, fail, settings, *, member=False):
    for key in row:
        if key not in _ROW_KEYS:
            fail((*where, key), f"unknown key; a row has {sorted(_ROW_KEYS)}.")
    if "classifier" not in row:
        fail(where, "the row has no 'classifier'.")
    if "backbone" in row and (not isinstance(row["backbone"], str)
                              or not row["backbone"].strip()):
        fail((*where, "backbone"), f"must be a backbone name (e.g. \"inception_v3\", "
                                   f"\"lowlevel:hsv\"), got {row['backbone']!r}.")
    name = row["classifier"]
    if name not in CLASSIFIERS:
        fail((*where, "classifier"), f"unknown estimator {name!r}; choose one of "
                                     f"{CLASSIFIERS}.")
    for key, options in (("features", _FEATURES), ("sampler", SAMPLERS),
                         ("pool", ("mean", "max")), ("search", ("cv", "none")),
                         ("wrap", WRAPS)):
        if key in row and row[key] not in options:
            fail((*where, key), f"unknown value {row[key]!r}; choose one of {options}.")
    for key in ("featurizer", "sampler_params", "params", "grid", "wrap_params", "embed"):
        if key in row and not isinstance(row[key], dict):
            fail((*where, key), "must be a table of parameter = value.")
    if name in NEEDS_STREAMS and row.get("features") != "spatial+motion" and not member:
        fail((*where, "classifier"), f"{name} fuses two streams: set "
                                     "features = \"spatial+motion\".")
    cls, fixed = classifier_table()[name]
    preset = row.get("preset")
    if preset is not None and preset not in getattr(cls, "PRESETS", {}):
        fail((*where, "preset"), f"unknown preset {preset!r} of {cls.__name__}; choose one "
                                 f"of {sorted(getattr(cls, 'PRESETS', {}))}.")
    if row.get("search") == "cv" and not hasattr(cls, "from_preset_cv"):
        fail((*where, "search"), f"{cls.__name__} has no cross-validated preset.")
    if row.get("search") == "cv" and preset is None:
        fail((*where, "search"), "search = \"cv\" needs a preset.")
    if name == "late_fusion":
        members = row.get("members")
        if not isinstance(members, list) or not members:
            fail((*where, "members"), "a late_fusion row needs [[rows.members]] tables.")
        for j, m in enumerate(members):
            if "name" not in m:
                fail((*where, "members", j), "a member has no 'name'.")
            _check_row(m, (*where, "members", j), fail, settings, member=True)
    elif "members" in row:
        fail((*where, "members"), "only a late_fusion row has members.")
    if "embed" in row:
        _check_row(row["embed"], (*where, "embed"), fail, settings, member=True)
    _check_params(row, where, fail, cls, fixed, settings)
    _check_sampler_and_wrap(row, where, fail)


def _check_estimator_params(cls, params, where, block, fail, *args):
    """Each of ``params`` known to ``cls(*args)`` and valid by its constraints."""
    from sklearn.utils._param_validation import (
        InvalidParameterError,
        validate_parameter_constraints,
    )

    known = set(cls(*args).get_params(deep=False)) - {"estimator"}
    for key, value in params.items():
        if key not in known:
            fail((*where, block, key), f"unknown parameter of {cls.__name__}; it has "
                                       f"{sorted(known)}.")
        constraints = getattr(cls, "_parameter_constraints", {})
        if key in constraints:
            try:
                validate_parameter_constraints(
                    {key: constraints[key]}, {key: param_value(key, value)},
                    caller_name=cls.__name__)
            except (InvalidParameterError, TypeError, ValueError) as exc:
                fail((*where, block, key), f"bad value {value!r} ({exc}).")


def _check_sampler_and_wrap(row, where, fail):
    """``sampler_params`` and ``wrap_params`` name parameters their class takes."""
    from sklearn.dummy import DummyClassifier

    sampler = row.get("sampler", "none")
    if sampler == "none" and row.get("sampler_params"):
        fail((*where, "sampler_params"), "the row has no sampler (sampler = \"none\").")
    if sampler != "none":
        _check_estimator_params(sampler_table()[sampler], row.get("sampler_params", {}),
                                where, "sampler_params", fail)
    if "wrap_params" in row and "wrap" not in row:
        fail((*where, "wrap_params"), "the row has no 'wrap'.")
    if "wrap" in row:
        _check_estimator_params(wrap_table()[row["wrap"]], row.get("wrap_params", {}),
                                where, "wrap_params", fail, DummyClassifier())


def _check_callbacks(row, where, fail, cls):
    """``callbacks__NAME__PARAM``: NAME is one of the row's callbacks, PARAM one of its."""
    from sklearn.utils._param_validation import (
        InvalidParameterError,
        validate_parameter_constraints,
    )

    params = row.get("params", {})
    named = {}
    if isinstance(params.get("callbacks"), list):
        table = callback_table()
        named = {n.lower(): table[n.lower()] for n in params["callbacks"]
                 if isinstance(n, str) and n.lower() in table}
    defaults = [n for n, _ in cls().get_default_callbacks()] \
        if hasattr(cls, "get_default_callbacks") else []
    for key, value in params.items():
        if not key.startswith("callbacks__"):
            continue
        name, _, param = key[len("callbacks__"):].partition("__")
        if name in defaults and name not in named:
            continue  # the classifier's own callbacks: skorch checks them
        if name not in named:
            fail((*where, "params", key), f"no callback {name!r} in this row's callbacks "
                                          f"{sorted(named) or '[]'}.")
        cb = named[name]
        if param not in cb().get_params():
            fail((*where, "params", key), f"unknown parameter of {cb.__name__}; it has "
                                          f"{sorted(cb().get_params())}.")
        constraints = getattr(cb, "_parameter_constraints", {})
        if param in constraints:
            try:
                validate_parameter_constraints({param: constraints[param]}, {param: value},
                                               caller_name=cb.__name__)
            except (InvalidParameterError, TypeError, ValueError) as exc:
                fail((*where, "params", key), f"bad value {value!r} ({exc}).")


def _check_params(row, where, fail, cls, fixed, settings):
    """Let the estimator judge its parameters (its ``_parameter_constraints``)."""
    from sklearn.utils._param_validation import InvalidParameterError

    if cls.__name__ == "LateFusionClassifier":
        known = {"weights", "cv", "n_weight_steps", "n_jobs", "verbose"}
    else:
        known = set(cls().get_params())
    base = dict(fixed)
    if row.get("preset") is not None:
        base.update({k: v for k, v in copy.deepcopy(cls.PRESETS[row["preset"]]).items()
                     if "__" not in k})  # skorch checks dunder parameters apart
    for block in ("params", "grid"):
        for key, value in row.get(block, {}).items():
            if key not in known and not key.startswith(("optimizer__", "module__",
                                                        "criterion__", "callbacks__")):
                fail((*where, block, key), f"unknown parameter of {cls.__name__}; it has "
                                           f"{sorted(known)}.")
            if block == "grid" and (not isinstance(value, list) or not value):
                fail((*where, block, key), "must be a non-empty list of candidates.")
            for candidate in (value if block == "grid" else [value]):
                if isinstance(candidate, list) and not candidate:
                    fail((*where, block, key), "an empty list; give at least one value.")
                if key == "max_epochs" and isinstance(candidate, int) and candidate < 1:
                    fail((*where, block, key), f"must be at least 1 (trains nothing), got "
                                               f"{candidate}.")
                if key.startswith(("optimizer__", "module__", "criterion__", "callbacks__")):
                    continue
                try:
                    candidate = param_value(key, candidate)
                    if cls.__name__ == "LateFusionClassifier":
                        continue
                    est = cls(**{**base, key: candidate})
                    # the neural classifiers check in _check_params (skorch owns
                    # _validate_params), the others in scikit-learn's _validate_params
                    check = getattr(est, "_check_params", None) or getattr(
                        est, "_validate_params", None)
                    if check is not None:
                        check()
                except (InvalidParameterError, TypeError, ValueError) as exc:
                    fail((*where, block, key), f"bad value {candidate!r} ({exc}).")
    if hasattr(cls, "get_default_callbacks"):
        _check_callbacks(row, where, fail, cls)
    grid_cv = settings.get("grid_cv")
    del grid_cv  # checked against the data's classes in compare, before any decoding
