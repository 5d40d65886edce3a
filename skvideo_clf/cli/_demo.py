"""``demo``: the protocols' demo rows, cross-validated, printed and written as a report."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time

from ..utils import atomic_write_text
from ._common import EXIT_OK, EXIT_USAGE, CLIError, _resolve_weights, device, log, progress
from ._pipeline import cache_memory, check_featurizer_options

#: Score name -> column title of the printed table.
_TITLES = {"model": "model", "accuracy": "Acc", "f1_macro": "F1 (macro)",
           "f1_weighted": "weighted F1", "seconds": "time (s)"}


def _titled(rows):
    return [{_TITLES[k]: v for k, v in row.items() if k in _TITLES} for row in rows]


def _slug(name):
    keep = [c.lower() if c.isalnum() else "_" for c in name]
    return "_".join(filter(None, "".join(keep).split("_")))


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
    from ..protocols import cross_validate_presets, demo_config, demo_dataset, demo_presets

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
        results = cross_validate_presets(presets, X, y, cv=cv, progress=bar)
        bar.close()
    table = [{"model": r["name"],
              **{m: f"{np.mean(v):.3f} ± {np.std(v):.3f}" for m, v in r["scores"].items()},
              "seconds": f"{r['seconds']:.1f}"} for r in results]
    print()
    print(format_table(_titled(table)))
    print()
    total = time.perf_counter() - start
    paths = _write_demo_report(args.out, cfg, sizes, weights, table, results, total)
    print(f"Mean ± std over {cfg['folds']} folds. Report written to {args.out}/ "
          f"({len(paths)} files) in {total:.0f} s.")
    return EXIT_OK


def _write_demo_report(out, cfg, sizes, weights, table, results, total):
    import numpy as np

    from ..metrics import format_table, new_figure, save_figure
    from ..protocols import paper_table_i

    os.makedirs(out, exist_ok=True)
    paths = []
    csv_rows = []
    for row, res in zip(table, results, strict=True):
        flat = {"model": row["model"]}
        for m, v in res["scores"].items():
            flat[f"{m}_mean"] = float(np.mean(v))
            flat[f"{m}_std"] = float(np.std(v))
        flat["seconds"] = float(row["seconds"])
        csv_rows.append(flat)
    target = os.path.join(out, "comparison.csv")
    atomic_write_text(target, format_table(csv_rows, fmt="csv"))
    paths.append(target)

    recall_rows = [{"model": r["name"], **{str(c): r["report"].per_class[c]["recall"]
                                           for c in r["report"].labels}} for r in results]
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
    ]
    for res in results:
        name, report = res["name"], res["report"]
        slug = _slug(name)
        saved = report.save(os.path.join(out, slug), training_history=res["history"])
        paths.extend(saved.values())
        md.append(f"- [{name}]({slug}/report.md): out-of-fold macro F1 "
                  f"{report.f1_macro:.3f}, mAP {report.mean_average_precision:.3f}; "
                  f"[confusion matrix]({slug}/confusion_matrix_normalized.png)")
    md += ["", f"Total time: {total:.0f} s.", ""]

    fig, ax = new_figure((8, 0.5 * len(results) + 1.5))
    names = [r["name"] for r in results]
    ypos = np.arange(len(names))
    for j, metric in enumerate(("accuracy", "f1_macro", "f1_weighted")):
        means = [np.mean(r["scores"][metric]) for r in results]
        stds = [np.std(r["scores"][metric]) for r in results]
        ax.barh(ypos + (j - 1) * 0.27, means, height=0.27, xerr=stds, label=_TITLES[metric])
    ax.set_yticks(ypos, names)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("score (mean ± std over folds)")
    ax.legend(loc="lower right", fontsize="small")
    target = os.path.join(out, "comparison.png")
    save_figure(fig, target)
    paths.append(target)
    md.insert(8, "![comparison](comparison.png)\n")
    target = os.path.join(out, "README.md")
    atomic_write_text(target, "\n".join(md))
    paths.append(target)
    return paths
