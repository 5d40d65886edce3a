"""``compare``: a paper's comparison (or the user's own grid) on a class-folder dataset.

Every row sees the same splits (official split files, else group-aware stratified folds),
resamples inside its training folds only (imblearn Pipelines), and reads one shared frame
cache, so each unique frame is featurized once for all rows and folds. Each finished
``(row, fold)`` is written to the report folder at once: a killed run resumes.

A protocol with data of its own (``demo``: the embedded synthetic set) runs without
``DATA_DIR``; ``skvideo-clf demo`` is that run.
"""

from __future__ import annotations

import json
import os
import time
import warnings

import numpy as np

from ..datasets import make_imbalanced
from ..metrics import evaluate, format_table, new_figure, save_figure, tail_recall
from ..protocols import (
    METRICS,
    PROTOCOLS,
    ConfigError,
    compare_with_baseline,
    demo_dataset,
    get_protocol,
    group_splits,
    key_line,
    load_config,
    motion_stack_bytes,
    row_folder,
    run_rows,
    summarize_rows,
)
from ..utils import atomic_write_text, available_memory, object_array
from ..video import source_fingerprint
from ._common import (
    EXIT_OK,
    EXIT_USAGE,
    CLIError,
    _resolve_weights,
    check_report_folder,
    device,
    load_folder,
    log,
)
from ._common import progress as progress_bar
from ._pipeline import cache_memory, check_featurizer_options

#: Metric key -> column title.
TITLES = {"accuracy": "Acc", "f1_macro": "F1 (macro)", "f1_weighted": "weighted F1",
          "balanced_accuracy": "bal. Acc", "tail_recall": "tail recall", "hit@1": "hit@1",
          "mAP": "mAP"}


def _pick(rows, spec, flag="--rows"):
    """The rows ``--rows I,J`` names (1-based), or every row."""
    if not spec:
        return rows
    try:
        picked = [int(i) for i in spec.split(",")]
        if not all(1 <= i <= len(rows) for i in picked):
            raise ValueError
    except ValueError:
        raise CLIError(f"{flag} takes row numbers 1..{len(rows)} separated by commas, got "
                       f"{spec!r}.", EXIT_USAGE) from None
    return [rows[i - 1] for i in picked]


def _load_data(args):
    """``(videos, y, splits, description)``: official splits, else group-aware folds
    (``--repeats`` times, each a different partition of the groups)."""
    repeats = getattr(args, "repeats", 1)
    if args.split_dir is None:
        videos, y, groups = load_folder(args.data_dir, argparse_split(args, 1), "train")
        videos, y, groups = list(videos), np.asarray(y), np.asarray(groups)
        if len(np.unique(y)) < 2:
            raise CLIError(f"{args.data_dir!r} holds one class; a comparison needs two or "
                           "more class folders.")
        check_class_counts(y, args.cfg["folds"], args.data_dir)
        try:
            splits = group_splits(y, groups, args.cfg["folds"], n_repeats=repeats,
                                  random_state=args.seed)
        except ValueError as exc:
            raise CLIError(str(exc), EXIT_USAGE) from None
        k = len(splits) // repeats
        how = (f"{k}-fold group-aware stratified cross-validation "
               f"(StratifiedGroupKFold on {len(np.unique(groups))} groups)"
               + (f", {repeats} repeats (different partitions of the groups)"
                  if repeats > 1 else ""))
        return videos, y, splits, how
    if repeats > 1:
        raise CLIError("--repeats repeats cross-validation with new partitions of the groups; "
                       "the official splits of --split-dir are fixed (use --split 1 2 3 for "
                       "three of them).", EXIT_USAGE)
    paths, labels, index = [], [], {}
    splits = []
    for k in args.split:
        sides = []
        for subset in ("train", "test"):
            vids, ys, _ = load_folder(args.data_dir, argparse_split(args, k), subset)
            idx = []
            for v, c in zip(vids, ys, strict=True):
                if v not in index:
                    index[v] = len(paths)
                    paths.append(v)
                    labels.append(c)
                idx.append(index[v])
            sides.append(np.asarray(idx))
        splits.append(tuple(sides))
    how = "official split" + ("s " if len(args.split) > 1 else " ") + ", ".join(
        map(str, args.split)) + f" of {args.split_dir}"
    return paths, np.asarray(labels), splits, how


def _embedded_data(protocol, cfg, seed, repeats=1):
    """``(X, y, splits, description, where)`` of a protocol's own data (the demo's
    synthetic set): stratified folds (``repeats`` shuffles), every video its own group."""
    from sklearn.model_selection import RepeatedStratifiedKFold

    X, y, _ = demo_dataset(cfg, random_state=seed)  # the one data set a protocol can name
    # the first repeat is StratifiedKFold(shuffle=True, random_state=seed)'s folds
    cv = RepeatedStratifiedKFold(n_splits=cfg["folds"], n_repeats=repeats, random_state=seed)
    splits = list(cv.split(np.zeros(len(y)), y))
    where = f"of the embedded synthetic set (make_video_classification, seed {seed})"
    how = f"{cfg['folds']}-fold stratified cross-validation" + (
        f", {repeats} repeats" if repeats > 1 else "")
    return X, np.asarray(y), splits, how, where


def argparse_split(args, k):
    import argparse

    return argparse.Namespace(split_dir=args.split_dir, split=k)


def _imbalance(splits, y, cfg, seed):
    """The CNN-ResBiLSTM paper's imbalanced-UCF101 rule, applied to each training split only."""

    return [(train[make_imbalanced(y[train], min_count=cfg["imbalance_min_count"],
                                   random_state=seed)], test) for train, test in splits]


def comparison_setup(args):
    """``(protocol, cfg, size, backbone)`` of ``--protocol`` / ``--config``.

    Shared by ``compare`` and ``fit --row``, so a fitted row is built exactly as compare
    builds it: the protocol file at the size (``--quick``, ``--full``), then the options
    that override one value.
    """

    size = "full" if args.full else "quick" if args.quick else "default"
    if args.config is not None:
        try:
            protocol = load_config(args.config)
        except ConfigError as exc:
            raise CLIError(str(exc), EXIT_USAGE) from None
    else:
        protocol = get_protocol(args.protocol)
    overrides = dict(input_size=args.input_size, sequence_length=args.sequence_length,
                     epochs=args.epochs, folds=getattr(args, "folds", None))
    if protocol.dataset is not None:  # the synthetic set's class sizes (demo --scale)
        overrides["scale"] = getattr(args, "scale", None)
    cfg = protocol.config(size, **overrides)
    backbone = cfg.get("backbone") or args.backbone
    return protocol, cfg, size, backbone


def weights_identity(weights, mode="stat"):
    """The weights as a result's signature sees them: a file by its content, as
    ``--fingerprint`` sees the videos (a file replaced under the same path is other
    weights, whose results are not reused); a name (``"auto"`` of a packaged backbone) or
    ``None`` (random weights) as it is.

    Examples
    --------
    >>> import os, tempfile
    >>> from skvideo_clf.cli._compare import weights_identity
    >>> path = os.path.join(tempfile.mkdtemp(), "w.pt")
    >>> _ = open(path, "wb").write(b"first")
    >>> before = weights_identity(path, "full")
    >>> _ = open(path, "wb").write(b"other")
    >>> weights_identity(path, "full") != before, weights_identity(None), weights_identity("auto")
    (True, None, 'auto')
    """
    if isinstance(weights, (str, os.PathLike)) and os.path.isfile(os.fspath(weights)):
        return source_fingerprint(os.fspath(weights), mode)
    return None if weights is None else str(weights)


def make_rows(args, protocol, cfg, size, backbone, memory):
    """``(rows, weights)``: the featurizer options checked, the weights resolved, the rows
    of the protocol built by :meth:`~skvideo_clf.protocols.Protocol.rows`."""
    if backbone == "inception_v3":
        check_featurizer_options(input_size=cfg["input_size"],
                                 sequence_length=cfg["sequence_length"])
    weights = None if backbone.startswith("lowlevel") else _resolve_weights(args.weights,
                                                                            backbone)
    rows = protocol.rows(size, config=cfg, backbone=backbone, weights=weights,
                         device=device(args.device), memory=memory, random_state=args.seed,
                         epochs=args.epochs)
    return rows, weights


def list_protocols_text():
    """``compare --list``: every built-in protocol with its paper, table and rows."""

    lines = []
    for name, proto in PROTOCOLS.items():
        data = " (runs on its own synthetic videos)" if proto.dataset else ""
        source = (proto.title if proto.paper_title is None else
                  f"{proto.paper_title}, {proto.table}")
        lines.append(f"{name}{data}\n    {source}\n    "
                     f"{len(proto.data['rows'])} rows; baseline {proto.baseline!r}")
    return "\n".join(lines)


def check_class_counts(y, folds, data_dir):
    """Refuse, before any video is decoded, a class with fewer videos than folds (exit 2,
    naming the class, its count and the fix)."""
    classes, counts = np.unique(y, return_counts=True)
    for c, n in zip(classes, counts, strict=True):
        if n < 2 or n < folds:
            fix = ("add videos to it or remove its folder" if n < 2 else
                   f"pass --folds {int(n)}, add videos to it or remove its folder")
            raise CLIError(f"Class {str(c)!r} under {data_dir} has {n} video"
                           f"{'s' if n != 1 else ''}; {folds}-fold cross-validation needs "
                           f"at least {max(2, folds)} per class: {fix}.", EXIT_USAGE)


def check_memory(protocol, cfg, splits, names=None):
    """Refuse, before any video is decoded, a run whose motion network would hold more
    flow stacks in memory than the machine has available: exit 2 with the arithmetic and
    the fixes. (The stacks of a training fold are in memory while the network trains on
    them: at the two-stream protocol's ``--full``, 200 MiB a video.)"""
    specs = [r for r in protocol.row_specs(cfg["size"]) if names is None or r["name"] in names]
    per_video = motion_stack_bytes(cfg, specs)
    available = available_memory()
    if per_video is None or available is None:
        return
    n = max(len(train) for train, _ in splits)
    if n * per_video <= available:
        return
    flow = cfg["flow"]
    raise CLIError(
        f"the motion network trains on each training fold's flow stacks held in memory: "
        f"{n} videos x {cfg['sequence_length']} stacks of {2 * flow['n_stack']} x "
        f"{flow['flow_size']} x {flow['flow_size']} float32 = {_size(n * per_video)}, more "
        f"than the {_size(available)} this machine has available. Use "
        "fewer frames per video (--sequence-length), or a config (compare --show prints "
        "this one) with a smaller flow_size or n_stack, or motion = \"histogram\".",
        EXIT_USAGE)


def _size(n_bytes):
    """``n_bytes`` for a message: GiB from 1 GiB, MiB below.

    Examples
    --------
    >>> from skvideo_clf.cli._compare import _size
    >>> _size(3 << 30), _size(1536 << 10)
    ('3.0 GiB', '1.5 MiB')
    """
    return f"{n_bytes / 2**30:.1f} GiB" if n_bytes >= 1 << 30 else f"{n_bytes / 2**20:.1f} MiB"


def check_inner_cv(protocol, cfg, y, splits, names=None, *, folds=None):
    """Refuse, before any video is decoded, a row whose inner cross-validation cannot run
    on the training folds: exit 2, listing every such row in one message.

    Checked: a calibrated SVM (``probability = true``, Platt scaling by an inner
    cross-validation: 2 or more videos of each class per training fold), a late-fusion
    member without ``predict_proba`` (an SVM with ``probability = false``), and
    ``settings.grid_cv`` (grids, lambda searches, CV weights: ``grid_cv`` videos of each
    class per training fold). ``names``: the rows that run (``--rows``, with the baseline
    and the chance row); None: every row. ``folds``: the outer folds when the splits are
    cross-validation folds (fewer folds is then a fix when above 2); None for official
    splits.
    """
    specs = [r for r in protocol.row_specs(cfg["size"]) if names is None or r["name"] in names]
    # each class's fewest videos in a training fold
    classes = np.unique(y)
    fewest = {c: min(int(np.sum(y[train] == c)) for train, _ in splits) for c in classes}
    smallest = min(fewest.values())

    def short(need):
        bad = [(c, n) for c, n in fewest.items() if n < need]
        return ", ".join(f"class {str(c)!r} has {n}" for c, n in bad)

    problems = []
    fewer = (f"use fewer folds (--folds {folds - 1}), " if folds is not None and folds > 2
             else "")
    for r in specs:
        no_proba = [m["name"] for m in r.get("members", [])
                    if r["classifier"] == "late_fusion" and not _has_proba(m)]
        if no_proba:
            problems.append(
                f"row {r['name']!r}: late fusion averages its members' predict_proba, and "
                f"member{'s' if len(no_proba) > 1 else ''} "
                f"{', '.join(map(repr, no_proba))} set{'s' if len(no_proba) == 1 else ''} "
                "probability = false: remove probability = false from the member's params, "
                "or drop the row with --rows.")
            continue
        if smallest < 2 and _calibrated(r):
            member = r["classifier"] == "late_fusion"
            fixes = ["add videos", fewer[:-2]]
            if not member:
                fixes.append("set probability = false in the row's params")
            if r["name"] != protocol.baseline:  # the baseline always runs
                fixes.append("drop the row with --rows")
            fixes = [f for f in fixes if f]
            fix = ", ".join(fixes[:-1]) + (", or " if len(fixes) > 2 else " or ") + fixes[-1]
            whose = "its members' SVMs'" if member else "its SVM's"
            problems.append(
                f"row {r['name']!r} calibrates {whose} probabilities "
                "(probability = true) by an inner cross-validation, which "
                "needs 2 videos of every class in each training fold; "
                f"{short(2)} in a training fold: {fix}.")
    inner = [r["name"] for r in specs if _inner_cv(r)]
    if inner and smallest < cfg["grid_cv"]:
        where = "settings.grid_cv"
        sized = protocol.data.get("settings", {}).get(cfg["size"])
        if isinstance(sized, dict) and "grid_cv" in sized:  # the size's own value
            where = f"settings.{cfg['size']}.grid_cv"
            line = key_line(protocol.text, ("settings", cfg["size"], "grid_cv"))
        else:
            line = key_line(protocol.text, ("settings", "grid_cv"))
        where += f" (line {line})" if line else ""
        rows = ", ".join(map(repr, inner))
        if smallest >= 2:
            fix = f"lower grid_cv to {smallest} or add videos"
        else:
            fix = ("too few for any inner cross-validation (it needs 2 per class): add "
                   "videos" + (f", {fewer[:-2]}" if fewer else "") + " or drop the "
                   f"row{'s' if len(inner) > 1 else ''} with --rows")
        problems.append(
            f"{where} = {cfg['grid_cv']}: the inner cross-validation of {rows} needs that "
            f"many videos of every class in each training fold; {short(cfg['grid_cv'])} "
            f"in a training fold: {fix}.")
    if problems:
        head = (f"{protocol.path}: " if len(problems) == 1 else
                f"{protocol.path}: {len(problems)} problems with the rows on these folds:\n  ")
        raise CLIError(head + "\n  ".join(problems), EXIT_USAGE)


def _calibrated(spec):
    """Whether a row (or a member) fits an SVM with Platt-scaled probabilities."""
    if spec["classifier"] in _SVMS and spec.get("params", {}).get("probability", True):
        return True
    return any(_calibrated(m) for m in spec.get("members", []))


#: The classifiers of a row that are SVMs with a ``probability`` parameter.
_SVMS = ("chi2svc", "svm_ef", "svm_mkl")


def _has_proba(spec):
    """Whether a late-fusion member has ``predict_proba`` (an SVM only when calibrated)."""
    return spec["classifier"] not in _SVMS or spec.get("params", {}).get("probability", True)


def _inner_cv(spec):
    """Whether a row's fit runs an inner cross-validation (grid, lambda search, CV
    weights)."""
    if "grid" in spec or spec.get("search") == "cv":
        return True
    if spec["classifier"] == "late_fusion" and spec.get("params", {}).get("weights") == "cv":
        return True
    return any(_inner_cv(m) for m in spec.get("members", []))


def cmd_compare(args):
    if getattr(args, "list", False):
        print(list_protocols_text())
        return EXIT_OK
    if args.protocol is None and args.config is None:
        raise CLIError("compare needs --protocol NAME or --config FILE.toml (--list shows "
                       "the protocols).", EXIT_USAGE)
    start = time.perf_counter()
    protocol, cfg, size, backbone = comparison_setup(args)
    if getattr(args, "show", False):
        print(protocol.show(size, config=cfg, backbone=backbone, epochs=args.epochs))
        return EXIT_OK
    check_report_folder(args)  # -o: before any work
    args.cfg = cfg
    out = args.out
    cache = args.cache if args.cache is not None else os.path.join(out, "frame_cache")
    # the featurizer's options and the weights are checked before any video is read
    all_rows, weights = make_rows(args, protocol, cfg, size, backbone,
                                  cache_memory(args, cache))
    if args.data_dir is not None:
        videos, y, splits, how = _load_data(args)
        X, where = object_array(videos), f"under {args.data_dir}"
        data_id = list(map(str, videos))
    elif protocol.dataset is not None:
        X, y, splits, how, where = _embedded_data(protocol, cfg, args.seed,
                                                  getattr(args, "repeats", 1))
        data_id = "embedded"  # made from the configuration and the seed, both in context
    else:
        raise CLIError(f"compare --protocol {protocol.name} needs DATA_DIR (only "
                       f"{', '.join(n for n, p in PROTOCOLS.items() if p.dataset)} has data "
                       "of its own).", EXIT_USAGE)
    if protocol.imbalance:
        splits = _imbalance(splits, y, cfg, args.seed)
    labels = np.unique(y)
    rows = _pick(all_rows, args.rows, getattr(args, "rows_flag", "--rows"))
    names = [n for n, _ in rows]
    # the baseline and the chance row always run
    rows = ([r for r in all_rows if r[0] == protocol.baseline and r[0] not in names] + rows
            + [r for r in all_rows if protocol.is_chance(r[0]) and r[0] not in names])
    # the rows that run only (--rows), all of them before one message
    cv_folds = cfg["folds"] if args.data_dir is None or args.split_dir is None else None
    check_inner_cv(protocol, cfg, y, splits, {n for n, _ in rows}, folds=cv_folds)
    check_memory(protocol, cfg, splits, {n for n, _ in rows})
    os.makedirs(out, exist_ok=True)
    counts = dict(zip(*np.unique(y, return_counts=True), strict=True))
    log(args, f"compare {protocol.name}: {protocol.title}. {len(y)} videos {where}, "
              f"{len(labels)} classes ({', '.join(f'{c}: {n}' for c, n in counts.items())}); "
              f"{how}; {len(rows)} rows; {size} configuration ({backbone} at "
              f"{cfg['input_size']} px, {cfg['sequence_length']} frames, {cfg['epochs']} "
              f"epochs); frame cache {cache}.")
    context = {"protocol": protocol.name, "config": cfg, "backbone": backbone,
               "weights": weights_identity(weights, getattr(args, "fingerprint", "stat")),
               "seed": args.seed, "videos": data_id,
               "y": [str(c) for c in y], "rows_config": protocol.digest,
               "epochs": args.epochs}
    bar = progress_bar(total=len(rows) * len(splits), enabled=not args.quiet, unit="fit",
                       desc=f"compare {protocol.name}")
    # warnings of the fits (an MLP stopped early on small folds) are held off the bar and
    # said after it, once per message, naming the rows and folds they came from
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        folds = FoldWarnings(bar, caught)
        results = run_rows(rows, X, y, splits, out_dir=out, context=context, labels=labels,
                           progress=folds, log=lambda m: None if args.quiet else bar.write(m),
                           fingerprint=getattr(args, "fingerprint", "stat"))
    bar.close()
    warn_per_row(results, folds.per_fold())
    tables = build_tables(protocol, results, n_bootstrap=args.n_bootstrap, seed=args.seed,
                          n_repeats=getattr(args, "repeats", 1))
    print()
    print(tables["text"])
    print()
    total = time.perf_counter() - start
    data_dir = None if args.data_dir is None else str(args.data_dir)
    meta = dict(protocol=protocol.name, title=protocol.title, data_dir=data_dir, data=where,
                n_videos=len(y), classes=counts, splits=how, n_splits=len(splits), config=cfg,
                backbone=backbone, weights=str(weights), seed=args.seed, seconds=total,
                cache=str(cache), command="skvideo-clf " + " ".join(getattr(args, "argv", [])))
    paths = write_report(out, protocol, results, tables, meta)
    resumed = sum(f["resumed"] for r in results for f in r["folds"])
    note = f" ({resumed} fold results kept from an earlier run)" if resumed else ""
    print(f"Mean ± std over {len(splits)} folds; Δ, t and p (corrected resampled t-test over "
          f"folds, Holm across rows) against {protocol.baseline!r}; {CHANCE_NOTE} Report "
          f"written to {os.path.join(out, '')} ({len(paths)} files) in {total:.0f} s{note}.")
    return EXIT_OK


class FoldWarnings:
    """:func:`~skvideo_clf.protocols.run_rows`'s progress bar, cutting the warnings caught
    while the rows run into one list per ``(row, fold)``.

    ``run_rows`` calls ``update(1)`` once after each ``(row, fold)``, in order, so the
    warnings caught between two updates are that fold's; everything else goes to ``bar``.
    """

    def __init__(self, bar, caught):
        self._bar, self._caught, self._cuts = bar, caught, [0]

    def update(self, n=1):
        self._cuts.append(len(self._caught))
        return self._bar.update(n)

    def __getattr__(self, name):
        return getattr(self._bar, name)

    def per_fold(self):
        """The caught warnings of each finished ``(row, fold)``, in run order."""
        cuts = self._cuts[:-1] + [len(self._caught)]  # a late one: the last fold's
        return [self._caught[a:b] for a, b in zip(cuts, cuts[1:], strict=False)]


def warn_per_row(results, per_fold):
    """Say each distinct warning of the run once, naming its rows and in how many of their
    folds it came (``per_fold``: :meth:`FoldWarnings.per_fold`).

    Re-issued with :func:`warnings.warn_explicit` under the original category and place,
    so the user's warning filters (``-W``, ``PYTHONWARNINGS``) still decide what shows.
    """
    found, start = {}, 0
    for res in results:
        n = len(res["folds"])
        for bucket in per_fold[start:start + n]:
            for w in {(w.category, str(w.message)): w for w in bucket}.values():
                rows = found.setdefault((w.category, str(w.message)), (w, {}))[1]
                rows[res["name"]] = rows.get(res["name"], 0) + 1
        start += n
    folds = {res["name"]: len(res["folds"]) for res in results}
    for (category, text), (first, rows) in found.items():
        where = ", ".join(f"{name} ({count} of {folds[name]} folds)"
                          for name, count in rows.items())
        warnings.warn_explicit(f"{where}: {text}", category, first.filename, first.lineno)


#: What the chance row is, in the printed table's footnote and the report.
CHANCE_NOTE = ("the chance row always answers the majority class (its accuracy is the "
               "majority's share, its balanced accuracy 1 / classes).")


def _pm(mean, std, n=None, total=None):
    """``mean ± std``; over fewer folds than ``total`` (a metric undefined on some folds),
    the count, and no spread from one fold.

    Examples
    --------
    >>> from skvideo_clf.cli._compare import _pm
    >>> _pm(0.5, 0.1, 3, 3), _pm(0.5, 0.1, 2, 3), _pm(0.0, 0.0, 1, 2), _pm(None, None, 0, 2)
    ('0.500 ± 0.100', '0.500 ± 0.100 (2 of 3 folds)', '0.000 (1 of 2 folds)', '')
    """
    if mean is None:
        return ""
    if n is None or total is None or n == total:
        return f"{mean:.3f} ± {std:.3f}"
    return (f"{mean:.3f}" if n < 2 else f"{mean:.3f} ± {std:.3f}") + f" ({n} of {total} folds)"


def _p(value):
    return "" if value is None else f"{value:.3f}"


def same_predictions(results):
    """``{row: earlier row}`` for rows whose test predictions equal an earlier row's on
    every fold: the table says so, as a user would otherwise read a bug (or a difference).

    Examples
    --------
    >>> from skvideo_clf.cli._compare import same_predictions
    >>> res = [{"name": n, "folds": [{"y_pred": p}]} for n, p in
    ...        [("a", [0, 1]), ("b", [1, 1]), ("c", [0, 1])]]
    >>> same_predictions(res)
    {'c': 'a'}
    """
    seen, same = {}, {}
    for res in results:
        key = tuple(tuple(map(str, f["y_pred"])) for f in res["folds"])
        if key in seen:
            same[res["name"]] = seen[key]
        else:
            seen[key] = res["name"]
    return same


def _role(protocol, name):
    """``"baseline"``, ``"chance"`` or ``"row"``: how the table marks a row."""
    if name == protocol.baseline:
        return "baseline"
    return "chance" if protocol.is_chance(name) else "row"


def _role_mark(protocol, name):
    role = _role(protocol, name)
    if role == "row" or role in name.lower():  # "Chance (majority class)" says it already
        return ""
    return f" ({role})"


def build_tables(protocol, results, *, n_bootstrap=2000, seed=0, n_repeats=1):
    """The printed table, the CSV rows and the paired comparisons of one run.

    ``per_fold`` numbers each row's folds within their repeat (``repeat`` 1 ..
    ``n_repeats``, ``fold`` 1 .. k): with ``--repeats``, the splits of repeat ``r`` are
    the ``r``-th run of k.

    Each row against the baseline: ``Δ`` (mean of the per-fold differences), ``t`` and
    ``p`` of Nadeau and Bengio's corrected resampled t-test over the folds (two-sided),
    ``p Holm`` (Holm's step-down adjustment across the rows) and the verdict at
    family-wise alpha 0.05; the CSV and JSON add the test-set bootstrap interval (test-set
    sampling only, models fixed), the degrees of freedom and the per-fold differences.
    """

    for res in results:  # each fold's tail recall, from its stored predictions
        for f in res["folds"]:
            f["metrics"].setdefault("tail_recall", tail_recall(f["y_true"], f["y_pred"]))
    metrics = list(METRICS) + ["tail_recall"] + ([protocol.metric] if protocol.metric else [])
    summary = summarize_rows(results, metrics=metrics)
    # the chance row is a reference, not one of the methods Holm's correction counts
    chance = [r["name"] for r in results if protocol.is_chance(r["name"])]
    paired = compare_with_baseline(results, protocol.baseline, metric=protocol.paired_metric,
                                   references=chance, n_bootstrap=n_bootstrap,
                                   random_state=seed)
    same = same_predictions(results)
    delta = f"Δ {TITLES[protocol.paired_metric]}"
    shown = []
    for row in summary:
        name = row["name"]
        line = {"model": name + _role_mark(protocol, name)
                + (f" (same predictions as {same[name]!r})" if name in same else "")}
        total = len(next(r for r in results if r["name"] == name)["folds"])
        for m in metrics:
            line[TITLES[m]] = _pm(row[f"{m}_mean"], row[f"{m}_std"], row[f"{m}_n"], total)
        paper = protocol.paper.get(name)
        for j, col in enumerate(protocol.paper_columns):
            line[f"paper {col}"] = "" if paper is None else f"{paper[j]:.3f}"
        cmp = paired.get(name)
        if cmp is not None:
            line[delta] = "" if cmp["diff"] is None else f"{cmp['diff']:+.3f}"
            line["t"] = "" if cmp["t"] is None else f"{cmp['t']:+.2f}"
            line["p"] = _p(cmp["p"])
            line["p Holm"] = _p(cmp["p_holm"])
            line["verdict"] = cmp["verdict"]
        shown.append(line)
    csv_rows = []
    for row in summary:
        flat = {"model": row["name"], "role": _role(protocol, row["name"]),
                "same_predictions_as": same.get(row["name"]),
                **{k: v for k, v in row.items() if k != "name"}}
        for j, col in enumerate(protocol.paper_columns):
            paper = protocol.paper.get(row["name"])
            flat[f"paper_{col}"] = None if paper is None else paper[j]
        cmp = paired.get(row["name"])
        if cmp is not None:
            flat.update({f"diff_{cmp['metric']}": cmp["diff"], "t": cmp["t"], "df": cmp["df"],
                         "p": cmp["p"], "p_holm": cmp["p_holm"], "verdict": cmp["verdict"],
                         "test_set_ci_low": cmp["test_set_ci"][0],
                         "test_set_ci_high": cmp["test_set_ci"][1]})
        csv_rows.append(flat)
    per_fold = []
    for r in results:
        k = len(r["folds"]) // n_repeats
        if k * n_repeats != len(r["folds"]):
            raise ValueError(f"row {r['name']!r} has {len(r['folds'])} folds, not "
                             f"{n_repeats} repeats of the same number")
        per_fold += [{"model": r["name"], "repeat": (f["fold"] - 1) // k + 1,
                      "fold": (f["fold"] - 1) % k + 1, "n_train": f["n_train"],
                      "n_test": len(f["test"]), **{m: f["metrics"].get(m) for m in metrics},
                      "seconds": f["seconds"]} for f in r["folds"]]
    columns = list(shown[0])
    for line in shown[1:]:
        columns += [c for c in line if c not in columns]
    return {"shown": shown, "columns": columns, "text": format_table(shown, columns),
            "csv": csv_rows, "per_fold": per_fold, "paired": paired, "summary": summary,
            "metrics": metrics}


def save_row_report(result, folder):
    """The evaluation report of a row's pooled test predictions, with its training curves.

    Returns ``(report, paths)``; the curves are the first fold's that has a history.
    """
    folds = result["folds"]
    report = evaluate(np.concatenate([f["y_true"] for f in folds]),
                      np.concatenate([f["y_pred"] for f in folds]),
                      y_score=np.concatenate([np.asarray(f["y_score"]) for f in folds]),
                      labels=folds[0]["labels"])
    history = next((f["history"] for f in folds if f.get("history")), None)
    saved = report.save(folder, training_history=history)
    return report, list(saved.values())


def plot_comparison(summary, target, protocol=None):
    """Bars of mean ± std over folds of Acc, macro and weighted F1 per row; returns target.

    The paper's number of a row, where the protocol maps a paper column to a metric
    (``paper_metrics``), is a black diamond beside the bar of that metric; the chance row's
    bars are hatched; the legend sits below the axes, clear of the bars.
    """
    metrics = ("accuracy", "f1_macro", "f1_weighted")
    fig, ax = new_figure((8, 0.55 * len(summary) + 2.2))
    ypos = np.arange(len(summary))
    chance = [protocol is not None and protocol.is_chance(r["name"]) for r in summary]
    paper_cols = {} if protocol is None else protocol.paper_metric_columns()
    marked = False
    for j, metric in enumerate(metrics):
        offset = (j - 1) * 0.27
        means = [r[f"{metric}_mean"] or 0.0 for r in summary]
        stds = [r[f"{metric}_std"] or 0.0 for r in summary]
        bars = ax.barh(ypos + offset, means, height=0.27, xerr=stds, label=TITLES[metric])
        for bar, is_chance in zip(bars, chance, strict=True):
            if is_chance:
                bar.set_hatch("//")
                bar.set_alpha(0.5)
        if metric in paper_cols:
            col = paper_cols[metric]
            pts = [(protocol.paper[r["name"]][col], y + offset) for r, y in zip(summary, ypos)
                   if r["name"] in protocol.paper]
            if pts:
                ax.scatter(*zip(*pts), marker="D", s=22, color="black", zorder=3,
                           label=None if marked else "paper's number")
                marked = True
    ax.set_yticks(ypos, [r["name"] + (" (chance)" if c and "chance" not in r["name"].lower()
                                      else "") for r, c in zip(summary, chance, strict=True)])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (mean ± std over folds)")
    # below the axes, centred on the figure: never over a bar, never cut by long row names
    fig.legend(loc="outside lower center", ncol=4, fontsize="small", frameon=False)
    save_figure(fig, target)
    return target


def write_report(out, protocol, results, tables, meta):
    """README.md, comparison.csv / .json / .png, per_fold.csv and one report per row."""

    paths = []

    def write(name, text):
        target = os.path.join(out, name)
        atomic_write_text(target, text)
        paths.append(target)

    write("comparison.csv", format_table(tables["csv"], fmt="csv"))
    write("per_fold.csv", format_table(tables["per_fold"], fmt="csv"))
    write("comparison.json", json.dumps({"meta": meta, "rows": tables["csv"],
                                         "paired": tables["paired"],
                                         "per_fold": tables["per_fold"]},
                                        indent=2, default=str))
    links, recall = [], []
    for res in results:
        slug = row_folder(res["name"])  # two names never share a report folder
        report, saved = save_row_report(res, os.path.join(out, "rows", slug))
        paths.extend(saved)
        recall.append({"model": res["name"], **{str(c): report.per_class[c]["recall"]
                                                for c in report.labels}})
        links.append(f"- [{res['name']}](rows/{slug}/report.md): pooled test predictions, "
                     f"macro F1 {report.f1_macro:.3f}; [confusion matrix]"
                     f"(rows/{slug}/confusion_matrix_normalized.png)")
    paths.append(plot_comparison(tables["summary"], os.path.join(out, "comparison.png"),
                                 protocol))

    cfg = meta["config"]
    md = [
        f"# {meta['title']}",
        "",
        f"`{meta['command']}`",
        "",
        f"{meta['n_videos']} videos of {len(meta['classes'])} classes {meta['data']} "
        f"({', '.join(f'{c}: {n}' for c, n in meta['classes'].items())});"
        f" {meta['splits']}. Configuration `{cfg['size']}`: {meta['backbone']} "
        f"({meta['weights']}) at {cfg['input_size']} px, {cfg['sequence_length']} frames, "
        f"{cfg['epochs']} epochs, seed {meta['seed']}.",
        "",
        "Mean ± standard deviation over folds. Paper columns: what the paper reports on "
        "its own data; compare the ordering of the rows, not the numbers. "
        f"Δ: the row minus the baseline ({protocol.baseline}) in "
        f"{TITLES[protocol.paired_metric]}, mean of the per-fold differences; t and p: "
        "Nadeau and Bengio's corrected resampled t-test of the per-fold differences "
        "(variance times 1/k + n_test/n_train, Student's t with k - 1 degrees of freedom, "
        "two-sided), which counts the variance of training as well as of testing; p Holm: "
        "Holm's step-down adjustment across the rows; verdict at family-wise alpha 0.05 "
        "('no evidence of a difference' is not evidence of equality). comparison.csv also "
        "holds a 95% interval from a paired bootstrap of the pooled test videos: test-set "
        "sampling only, with the trained models fixed.",
        "",
        f"Chance: {CHANCE_NOTE[0].upper() + CHANCE_NOTE[1:]} A row marked (same "
        "predictions as 'X') made the same test predictions as row X on every fold: at this "
        "size and on these videos the two settings did not differ in outcome. A cell with "
        "'(k of n folds)' averages the k folds where the metric is defined (tail recall is "
        "undefined on a fold where no class is below the median size).",
        "",
        format_table(tables["shown"], tables["columns"], fmt="markdown"),
        "",
        "![comparison](comparison.png)",
        "",
        "## Recall per class (pooled test predictions)",
        "",
        "What an imbalance method is for: the minority classes' recall.",
        "",
        format_table(recall, fmt="markdown"),
        "",
        "## Per fold / split",
        "",
        format_table(tables["per_fold"], fmt="markdown"),
        "",
        "## How this differs from the paper",
        "",
        protocol.notes or "(a user-defined grid)",
        "",
        "## Per-row reports",
        "",
        *links,
        "",
        f"Total time: {meta['seconds']:.0f} s. Frame cache: `{meta['cache']}`.",
        "",
    ]
    write("README.md", "\n".join(md))
    return paths
