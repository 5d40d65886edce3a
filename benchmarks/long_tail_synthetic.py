"""The docs' 20:1 table: minority recall of each long-tail method on two overlapping Gaussians.

Run: ``python benchmarks/long_tail_synthetic.py [--seeds 5]``. Prints, per method, the
majority and minority recall on a balanced test set (mean and std over seeds), and the
seconds each fit took (for information; compare only timings from one idle machine).
"""

import argparse
import time

import numpy as np
from sklearn.metrics import recall_score

from skvideo_clf.neural import LSTMClassifier

METHODS = {
    "cross-entropy": {},
    "cross-entropy, post-hoc posthoc_tau=1": dict(posthoc_tau=1.0),
    'loss="logit_adjusted"': dict(loss="logit_adjusted"),
    'loss="focal"': dict(loss="focal"),
    'class_weight="effective_number"': dict(class_weight="effective_number"),
    'loss="focal" + effective_number': dict(loss="focal", class_weight="effective_number"),
    'loss="ldam" (no re-weighting)': dict(loss="ldam"),
    "LDAM-DRW": dict(loss="ldam", class_weight="effective_number", reweight_start=0.8),
    "cRT (retrain_head_epochs=10)": dict(retrain_head_epochs=10),
}


def gaussians(seed, n_major, n_minor, shift=1.5):
    rng = np.random.RandomState(seed)
    X = np.r_[rng.randn(n_major, 2), rng.randn(n_minor, 2) + shift].astype(np.float32)
    return X[:, None, :], np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    rows = {name: [] for name in METHODS}
    for seed in range(args.seeds):
        X, y = gaussians(seed, 1000, 50)
        X_test, y_test = gaussians(1000 + seed, 1000, 1000)
        for name, params in METHODS.items():
            t0 = time.perf_counter()
            clf = LSTMClassifier(hidden_sizes=(16,), max_epochs=20, batch_size=64, lr=0.01,
                                 random_state=seed, **params).fit(X, y)
            r = recall_score(y_test, clf.predict(X_test), average=None)
            rows[name].append((*r, time.perf_counter() - t0))
    print(f"{'method':40s} {'majority recall':>17s} {'minority recall':>17s} {'s/fit':>6s}")
    for name, values in rows.items():
        v = np.array(values)
        print(f"{name:40s} {v[:, 0].mean():.3f} ± {v[:, 0].std():.3f}   "
              f"{v[:, 1].mean():.3f} ± {v[:, 1].std():.3f}   {v[:, 2].mean():6.1f}")


if __name__ == "__main__":
    main()
