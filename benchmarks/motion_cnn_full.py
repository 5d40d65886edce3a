"""Training speed of the two-stream protocol's --full motion CNN, and what 250K iterations cost.

CNN-M-2048 (``MotionCNNClassifier.from_preset("hybrid-fusion")``) on videos of flow stacks
``(n_videos, T, 20, 256, 256)`` as ``OpticalFlowTransformer(n_stack=10, output="stack",
flow_size=256, subtract_mean=True)`` gives them, trained on random 224 px crops with flips
in batches of 256, as ``two-stream-table2`` runs it at ``--full``. Synthetic flow: the
network's speed does not depend on the values. Prints iterations per second, the time of
the protocol's 250K iterations (one CNN per training set), and the fc6 extraction speed.

    python benchmarks/motion_cnn_full.py --device cuda [--videos 64 --stacks 8 --epochs 1]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from skvideo_clf.neural import MotionCNNClassifier


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--videos", type=int, default=64)
    parser.add_argument("--stacks", type=int, default=8, help="stacks per video (T)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    X = rng.standard_normal((args.videos, args.stacks, 20, 256, 256), dtype=np.float32)
    y = np.arange(args.videos) % 101
    clf = MotionCNNClassifier.from_preset("hybrid-fusion", crop_size=224, flip=True,
                                          batch_size=args.batch_size,
                                          max_epochs=args.epochs, device=args.device,
                                          random_state=0)
    t0 = time.perf_counter()
    clf.fit(X, y)
    seconds = time.perf_counter() - t0
    iterations = args.epochs * -(-args.videos * args.stacks // args.batch_size)
    rate = iterations / seconds
    print(f"training: {iterations} iterations of {args.batch_size} stacks in {seconds:.1f} s "
          f"({rate:.2f} it/s, first-epoch start-up included)")
    print(f"250K iterations: {250_000 / rate / 3600:.1f} h per training set")
    t0 = time.perf_counter()
    Z = clf.transform(X)
    seconds = time.perf_counter() - t0
    print(f"fc6 of {X.shape[0] * X.shape[1]} stacks: {seconds:.1f} s, output {Z.shape}, "
          f"min {Z.min():.3f} (non-negative: {bool((Z >= 0).all())})")


if __name__ == "__main__":
    main()
