"""The demo's regularized fusion network at its reduced sizes, beside other lambdas and epochs.

Builds the demo's data and folds as ``skvideo-clf demo`` does (``--seed``), computes the
two-stream features once, and fits the row's classifier per fold with its own settings, with
``lambda2 = lambda3 = 0`` (the non-regularized network) and with the earlier ``1e-2``:
accuracy, balanced accuracy and macro F1 over the folds, and the share of fusion weights left
non-zero. How the demo's lambdas and epochs were chosen::

    python benchmarks/demo_fusion_rows.py --size default --seed 0
    python benchmarks/demo_fusion_rows.py --size quick --seed 1
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.base import clone
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score
from sklearn.model_selection import RepeatedStratifiedKFold

from skvideo_clf.features import resolve_weights
from skvideo_clf.protocols import demo_dataset, get_protocol

ROW = "Regularized fusion network (spatial + motion)"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=("quick", "default"), default="default")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    proto = get_protocol("demo")
    cfg = proto.config(args.size)
    X, y, _ = demo_dataset(cfg, random_state=args.seed)
    cv = RepeatedStratifiedKFold(n_splits=cfg["folds"], n_repeats=1, random_state=args.seed)
    splits = list(cv.split(np.zeros(len(y)), y))
    rows = dict((n, f()) for n, f in proto.rows(args.size, config=cfg,
                                                weights=resolve_weights("auto"),
                                                random_state=args.seed))
    pipe = rows[ROW]
    t0 = time.perf_counter()
    F = pipe.named_steps["streams"].fit_transform(X, y)  # unsupervised: once for all folds
    print(f"{len(y)} videos, features {F.shape} in {time.perf_counter() - t0:.1f} s")
    head = Pipeline(pipe.steps[1:])  # scale -> classifier
    clf = head.named_steps["clf"]
    variants = {"the row": {}, "non-regularized": dict(lambda2=0.0, lambda3=0.0),
                "lambdas 1e-2": dict(lambda2=1e-2, lambda3=1e-2),
                f"lambdas 1e-2, {cfg['epochs']} epochs": dict(lambda2=1e-2, lambda3=1e-2,
                                                             max_epochs=cfg["epochs"])}
    print(f"the row: lambda2 {clf.lambda2:g}, lambda3 {clf.lambda3:g}, {clf.max_epochs} epochs")
    for name, params in variants.items():
        scores, kept = [], []
        t0 = time.perf_counter()
        for train, test in splits:
            est = clone(head).set_params(**{f"clf__{k}": v for k, v in params.items()})
            pred = est.fit(F[train], y[train]).predict(F[test])
            scores.append((accuracy_score(y[test], pred),
                           balanced_accuracy_score(y[test], pred),
                           f1_score(y[test], pred, average="macro")))
            weight = est.named_steps["clf"].module_.fusion.weight.detach().numpy()
            kept.append(float((weight != 0).mean()))
        acc, bal, f1 = np.mean(scores, axis=0)
        print(f"{name:<28} acc {acc:.3f}  bal. acc {bal:.3f}  F1 {f1:.3f}  fusion weights "
              f"kept {np.mean(kept):.2f}  ({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
