"""``demo``: the protocols' demo rows on the embedded synthetic set, through compare's runner.

The rows run through :func:`~skvideo_clf.protocols.run_rows` (every row on the same folds,
each finished ``(row, fold)`` kept under ``OUT/runs/``, so a rerun of the same command
resumes) and are reported with compare's row reports and plot.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
import warnings

from ..utils import atomic_write_text
from ._common import EXIT_OK, EXIT_USAGE, CLIError, _resolve_weights, device, log, progress
from ._compare import plot_comparison, save_row_report
from ._pipeline import cache_memory, check_featurizer_options

#: Score name -> column title of the printed table.
_TITLES = {"model": "model", "accuracy": "Acc", "f1_macro": "F1 (macro)",
           "f1_weighted": "weighted F1", "seconds": "time (s)"}
#: The demo's scores: the three numbers of seed 000's tables.
_SCORES = ("accuracy", "f1_macro", "f1_weighted")


def _titled(rows):
    return [{_TITLES[k]: v for k, v in row.items() if k in _TITLES} for row in rows]


def _pick(presets, models):
    """The rows ``--models I,J`` names (1-based), or every row."""
    if not models:
        return presets
    try:
        picked = [int(i) for i in models.split(",")]
        if not all(1 <= i <= len(presets) for i in picked):
            raise ValueError
    except ValueError:
        raise CLIError(f"--models takes row numbers 1..{len(presets)} separated by "
                       f"commas, got {models!r}.", EXIT_USAGE) from None
    return [presets[i - 1] for i in picked]


def cmd_demo(args):
    import numpy as np
    from sklearn.model_selection import StratifiedKFold

    from ..metrics import format_table
    from ..protocols import demo_config, demo_dataset, demo_presets, run_rows, summarize_rows

    start = time.perf_counter()
    size = "full" if args.full else "quick" if args.quick else "default"
    cfg = demo_config(size, scale=args.scale, input_size=args.input_size,
                      sequence_length=args.sequence_length, epochs=args.epochs,
                      folds=args.folds)
    check_featurizer_options(input_size=cfg["input_size"],
                             sequence_length=cfg["sequence_length"])
    weights = _resolve_weights(args.weights)
    X, y, sizes = demo_dataset(cfg, random_state=args.seed)
    labels = np.unique(y)
    cv = StratifiedKFold(cfg["folds"], shuffle=True, random_state=args.seed)
    splits = list(cv.split(np.zeros(len(y)), y))
    # what defines a result besides the row and the fold: a changed setting recomputes
    context = {"command": "demo", "config": cfg, "weights": str(weights), "seed": args.seed}
    with contextlib.ExitStack() as stack:
        cache = args.cache
        if cache is None:
            cache = stack.enter_context(tempfile.TemporaryDirectory(prefix="skvc-demo-"))
        presets = _pick(demo_presets(cfg, weights=weights, device=device(args.device),
                                     memory=cache_memory(args, cache),
                                     random_state=args.seed), args.models)
        log(args, f"Demo: {len(y)} synthetic videos, {len(labels)} classes of sizes {sizes} "
                  f"(seed 000's 400..40 spread x {cfg['scale']}); InceptionV3 ({weights}) at "
                  f"{cfg['input_size']} px, {cfg['sequence_length']} frames; "
                  f"{cfg['folds']}-fold stratified CV; {len(presets)} models.")
        bar = progress(total=len(presets) * cfg["folds"], enabled=not args.quiet, unit="fit",
                       desc="demo")
        with warnings.catch_warnings():
            warnings.simplefilter("once")  # small folds: say a repeated warning once
            results = run_rows(presets, X, y, splits, out_dir=args.out, context=context,
                               labels=labels, progress=bar)
        bar.close()
    summary = summarize_rows(results, metrics=_SCORES)
    table = [{"model": r["name"],
              **{m: f"{r[f'{m}_mean']:.3f} ± {r[f'{m}_std']:.3f}" for m in _SCORES},
              "seconds": f"{r['seconds']:.1f}"} for r in summary]
    print()
    print(format_table(_titled(table)))
    print()
    total = time.perf_counter() - start
    paths = _write_demo_report(args.out, cfg, sizes, weights, table, results, summary, total)
    print(f"Mean ± std over {cfg['folds']} folds. Report written to {args.out}/ "
          f"({len(paths)} files) in {total:.0f} s.")
    return EXIT_OK


def _write_demo_report(out, cfg, sizes, weights, table, results, summary, total):
    from ..metrics import format_table
    from ..protocols import paper_table_i
    from ..protocols._runner import row_slug

    os.makedirs(out, exist_ok=True)
    paths = []
    csv_rows = [{"model": r["name"], **{f"{m}_{s}": r[f"{m}_{s}"] for m in _SCORES
                                        for s in ("mean", "std")},
                 "seconds": float(row["seconds"])} for r, row in zip(summary, table,
                                                                      strict=True)]
    target = os.path.join(out, "comparison.csv")
    atomic_write_text(target, format_table(csv_rows, fmt="csv"))
    paths.append(target)

    links, recall_rows = [], []
    for res in results:
        name, slug = res["name"], row_slug(res["name"])
        report, saved = save_row_report(res, os.path.join(out, slug))
        paths.extend(saved)
        recall_rows.append({"model": name, **{str(c): report.per_class[c]["recall"]
                                              for c in report.labels}})
        links.append(f"- [{name}]({slug}/report.md): out-of-fold macro F1 "
                     f"{report.f1_macro:.3f}, mAP {report.mean_average_precision:.3f}; "
                     f"[confusion matrix]({slug}/confusion_matrix_normalized.png)")
    paths.append(plot_comparison(summary, os.path.join(out, "comparison.png")))
    md = [
        "# skvideo-clf demo: imbalance methods compared",
        "",
        f"Synthetic videos from `make_video_classification`: {sum(sizes)} videos, "
        f"{len(sizes)} classes of sizes {sizes} (seed 000's disaster set, 400..40 videos, "
        f"scaled by {cfg['scale']}). Features: InceptionV3 ({weights}) at "
        f"{cfg['input_size']} px on {cfg['sequence_length']} frames per video. "
        f"Stratified {cfg['folds']}-fold cross-validation; mean ± std over folds.",
        "",
        format_table(_titled(table), fmt="markdown"),
        "",
        "![comparison](comparison.png)\n",
        "## Recall per class (pooled out-of-fold predictions)",
        "",
        "Classes are listed largest first in the data; the last ones are the minority.",
        "",
        format_table(recall_rows, fmt="markdown"),
        "",
        "## For reference: seed 000, Table I (real disaster videos)",
        "",
        format_table(_titled(paper_table_i()), fmt="markdown"),
        "",
        "The synthetic data is not the disaster set: compare the *ordering* of the methods, "
        "not the numbers.",
        "",
        "## Per-model reports",
        "",
        *links,
        "",
        f"Total time: {total:.0f} s.",
        "",
    ]
    target = os.path.join(out, "README.md")
    atomic_write_text(target, "\n".join(md))
    paths.append(target)
    return paths
