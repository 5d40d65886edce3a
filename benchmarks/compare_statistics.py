"""What compare's statistics and exact resume cost at UCF101 size (no model is fitted).

Prints, for 13,320 videos of 101 classes, 10 rows and 5 folds x 2 repeats:
1. the seconds of :func:`compare_with_baseline` (corrected t-test, Holm, and the paired
   bootstrap of the pooled test videos with 2000 resamples per row);
2. the seconds of the resume signatures of one row's 10 folds (every video's fingerprint
   and label in each) with ``--fingerprint stat`` over real files (empty files stand for
   the videos: stat mode reads no byte).

Usage: python benchmarks/compare_statistics.py [--n-videos N]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from skvideo_clf.protocols import compare_with_baseline, group_splits
from skvideo_clf.protocols._runner import _digest, video_fingerprints


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-videos", type=int, default=13320)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, n_classes = args.n_videos, 101
    y = np.array([f"c{i % n_classes:03d}" for i in range(n)])
    groups = np.array([f"g{(i // n_classes) % 25 + 1:02d}" for i in range(n)])
    t0 = time.perf_counter()
    splits = group_splits(y, groups, 5, n_repeats=2, random_state=0)
    print(f"group_splits, 5 folds x 2 repeats of {n} videos: {time.perf_counter() - t0:.2f} s")

    labels = sorted(set(y))
    results = []
    for r in range(10):
        folds = []
        for train, test in splits:
            pred = y[test].copy()
            wrong = rng.random(len(test)) < 0.3 + 0.01 * r
            pred[wrong] = rng.choice(labels, wrong.sum())
            acc = float(np.mean(pred == y[test]))
            folds.append({"metrics": {"accuracy": acc}, "n_train": len(train),
                          "test": test.tolist(), "labels": labels,
                          "y_true": y[test].tolist(), "y_pred": pred.tolist()})
        results.append({"name": f"row {r}", "folds": folds})
    t0 = time.perf_counter()
    compare_with_baseline(results, "row 0", n_bootstrap=2000)
    print(f"compare_with_baseline, 10 rows: {time.perf_counter() - t0:.2f} s")

    with tempfile.TemporaryDirectory() as root:
        paths = []
        for i in range(n):
            path = os.path.join(root, f"v_{y[i]}_{groups[i]}_c{i:05d}.avi")
            open(path, "wb").close()
            paths.append(path)
        t0 = time.perf_counter()
        contents = video_fingerprints(paths, "stat")
        for train, test in splits:
            _digest({"train": [[int(i), contents[i], y[i]] for i in train],
                     "test": [[int(i), contents[i], y[i]] for i in test]})
        print(f"resume signatures of one row (10 folds, stat): {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
