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

from ..utils import atomic_write_text
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
    import numpy as np

    from ..protocols._runner import group_splits

    repeats = getattr(args, "repeats", 1)
    if args.split_dir is None:
        videos, y, groups = load_folder(args.data_dir, argparse_split(args, 1), "train")
        videos, y, groups = list(videos), np.asarray(y), np.asarray(groups)
        if len(np.unique(y)) < 2:
            raise CLIError(f"{args.data_dir!r} holds one class; a comparison needs two or "
                           "more class folders.")
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
    import numpy as np
    from sklearn.model_selection import RepeatedStratifiedKFold

    X, y, _ = protocol.dataset(cfg, random_state=seed)
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
    """Seed 000's imbalanced-UCF101 rule, applied to each training split only."""
    from ..datasets import make_imbalanced

    return [(train[make_imbalanced(y[train], min_count=cfg["imbalance_min_count"],
                                   random_state=seed)], test) for train, test in splits]


def comparison_setup(args):
    """``(protocol, config_file, cfg, size, backbone)`` of ``--protocol`` / ``--config``.

    Shared by ``compare`` and ``fit --row``, so a fitted row is built exactly as compare
    builds it: the size (``--quick``, ``--full``), then the options that override one value,
    then the config file's ``[settings]``.
    """
    from ..protocols import get_protocol

    size = "full" if args.full else "quick" if args.quick else "default"
    settings = None
    backbone = args.backbone
    if args.config is not None:
        from ..protocols._config import ConfigError, load_config

        try:
            settings = load_config(args.config)
        except ConfigError as exc:
            raise CLIError(str(exc), EXIT_USAGE) from None
        protocol = settings.protocol
        backbone = settings.backbone or backbone
    else:
        protocol = get_protocol(args.protocol)
    overrides = dict(input_size=args.input_size, sequence_length=args.sequence_length,
                     epochs=args.epochs, folds=getattr(args, "folds", None))
    if protocol.dataset is not None:  # the synthetic set's class sizes (demo --scale)
        overrides["scale"] = getattr(args, "scale", None)
    cfg = protocol.config(size, **overrides)
    if settings is not None:
        cfg.update(settings.overrides)
    return protocol, settings, cfg, size, backbone


def make_row_parts(args, cfg, backbone, memory):
    """``(RowParts, weights)``: the featurizer options checked, the weights resolved."""
    from ..protocols import RowParts

    if backbone == "inception_v3":
        check_featurizer_options(input_size=cfg["input_size"],
                                 sequence_length=cfg["sequence_length"])
    weights = None if backbone.startswith("lowlevel") else _resolve_weights(args.weights,
                                                                            backbone)
    parts = RowParts(cfg, backbone=backbone, weights=weights, device=device(args.device),
                     memory=memory, random_state=args.seed)
    return parts, weights


def cmd_compare(args):
    import numpy as np

    from ..protocols import PROTOCOLS
    from ..protocols._runner import run_rows
    from ..utils import object_array

    check_report_folder(args)  # -o: before any work
    start = time.perf_counter()
    protocol, settings, cfg, size, backbone = comparison_setup(args)
    args.cfg = cfg
    parts, weights = make_row_parts(args, cfg, backbone, None)
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
    out = args.out
    os.makedirs(out, exist_ok=True)
    cache = args.cache if args.cache is not None else os.path.join(out, "frame_cache")
    parts.memory = cache_memory(args, cache)
    rows = (settings.rows(parts) if settings is not None else protocol.rows(parts))
    rows = _pick(rows, args.rows, getattr(args, "rows_flag", "--rows"))
    names = [n for n, _ in rows]
    if protocol.baseline not in names:
        rows = [r for r in protocol.rows(parts) if r[0] == protocol.baseline] + rows
    counts = dict(zip(*np.unique(y, return_counts=True), strict=True))
    log(args, f"compare {protocol.name}: {len(y)} videos {where}, {len(labels)} classes "
              f"({', '.join(f'{c}: {n}' for c, n in counts.items())}); {how}; "
              f"{len(rows)} rows; {size} configuration ({backbone} at "
              f"{cfg['input_size']} px, {cfg['sequence_length']} frames, {cfg['epochs']} "
              f"epochs); frame cache {cache}.")
    context = {"protocol": protocol.name, "config": cfg, "backbone": backbone,
               "weights": str(weights), "seed": args.seed, "videos": data_id,
               "y": [str(c) for c in y],
               "rows_config": settings.digest if settings is not None else None}
    bar = progress_bar(total=len(rows) * len(splits), enabled=not args.quiet, unit="fit",
                       desc=f"compare {protocol.name}")
    with warnings.catch_warnings():
        # small folds make every MLP stop early; say it once, not once per fit
        warnings.simplefilter("once")
        results = run_rows(rows, X, y, splits, out_dir=out, context=context, labels=labels,
                           progress=bar, log=lambda m: None if args.quiet else bar.write(m),
                           fingerprint=getattr(args, "fingerprint", "stat"))
    bar.close()
    tables = build_tables(protocol, results, n_bootstrap=args.n_bootstrap, seed=args.seed)
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
          f"folds, Holm across rows) against {protocol.baseline!r}. "
          f"Report written to {os.path.join(out, '')} ({len(paths)} files) in {total:.0f} s"
          f"{note}.")
    return EXIT_OK


def _pm(mean, std):
    return "" if mean is None else f"{mean:.3f} ± {std:.3f}"


def _p(value):
    return "" if value is None else f"{value:.3f}"


def build_tables(protocol, results, *, n_bootstrap=2000, seed=0):
    """The printed table, the CSV rows and the paired comparisons of one run.

    Each row against the baseline: ``Δ`` (mean of the per-fold differences), ``t`` and
    ``p`` of Nadeau and Bengio's corrected resampled t-test over the folds (two-sided),
    ``p Holm`` (Holm's step-down adjustment across the rows) and the verdict at
    family-wise alpha 0.05; the CSV and JSON add the test-set bootstrap interval (test-set
    sampling only, models fixed), the degrees of freedom and the per-fold differences.
    """
    from ..metrics import format_table, tail_recall
    from ..protocols._runner import METRICS, compare_with_baseline, summarize_rows

    for res in results:  # each fold's tail recall, from its stored predictions
        for f in res["folds"]:
            f["metrics"].setdefault("tail_recall", tail_recall(f["y_true"], f["y_pred"]))
    metrics = list(METRICS) + ["tail_recall"] + ([protocol.metric] if protocol.metric else [])
    summary = summarize_rows(results, metrics=metrics)
    paired = compare_with_baseline(results, protocol.baseline, metric=protocol.paired_metric,
                                   n_bootstrap=n_bootstrap, random_state=seed)
    delta = f"Δ {TITLES[protocol.paired_metric]}"
    shown = []
    for row in summary:
        name = row["name"]
        line = {"model": name + (" (baseline)" if name == protocol.baseline else "")}
        for m in metrics:
            line[TITLES[m]] = _pm(row[f"{m}_mean"], row[f"{m}_std"])
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
        flat = {"model": row["name"], **{k: v for k, v in row.items() if k != "name"}}
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
    per_fold = [{"model": r["name"], "fold": f["fold"], "n_train": f["n_train"],
                 "n_test": len(f["test"]), **{m: f["metrics"].get(m) for m in metrics},
                 "seconds": f["seconds"]} for r in results for f in r["folds"]]
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
    import numpy as np

    from ..metrics import evaluate

    folds = result["folds"]
    report = evaluate(np.concatenate([f["y_true"] for f in folds]),
                      np.concatenate([f["y_pred"] for f in folds]),
                      y_score=np.concatenate([np.asarray(f["y_score"]) for f in folds]),
                      labels=folds[0]["labels"])
    history = next((f["history"] for f in folds if f.get("history")), None)
    saved = report.save(folder, training_history=history)
    return report, list(saved.values())


def plot_comparison(summary, target):
    """Bars of mean ± std over folds of Acc, macro and weighted F1 per row; returns target."""
    import numpy as np

    from ..metrics import new_figure, save_figure

    fig, ax = new_figure((8, 0.5 * len(summary) + 1.5))
    ypos = np.arange(len(summary))
    for j, metric in enumerate(("accuracy", "f1_macro", "f1_weighted")):
        means = [r[f"{metric}_mean"] or 0.0 for r in summary]
        stds = [r[f"{metric}_std"] or 0.0 for r in summary]
        ax.barh(ypos + (j - 1) * 0.27, means, height=0.27, xerr=stds, label=TITLES[metric])
    ax.set_yticks(ypos, [r["name"] for r in summary])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (mean ± std over folds)")
    ax.legend(loc="lower right", fontsize="small")
    save_figure(fig, target)
    return target


def write_report(out, protocol, results, tables, meta):
    """README.md, comparison.csv / .json / .png, per_fold.csv and one report per row."""
    from ..metrics import format_table
    from ..protocols._runner import row_folder

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
    paths.append(plot_comparison(tables["summary"], os.path.join(out, "comparison.png")))

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
