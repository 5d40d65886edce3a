"""skorch training overhead: LSTMClassifier.fit vs a plain torch loop doing the same work.

Both train the same module (same initial weights) on the same data with the same
DataLoader (SequenceDataset + pad_collate, shuffled), optimizer, batch size and epochs;
the only difference is skorch's machinery (callbacks, history, validation of data in
fit). Runs are interleaved and the best of ``--repeats`` is kept for each side, which
tames the noise of a shared machine. Prints the time ratio skorch / plain (goal: <= 1.05).

    python benchmarks/train.py [--n 256 --steps 40 --features 2048 --hidden 256 --epochs 2]

The defaults are InceptionV3-sized inputs (2048-d frames, T=40). skorch's own cost is about
0.5 ms per step on these 2 cores, so tiny steps show it (``--features 128 --hidden 64``:
2.7 ms steps, ratio about 1.19 when measured); steps of real size hide it.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from skvideo_clf.neural import LSTMClassifier
from skvideo_clf.neural._base import SequenceDataset, pad_collate


def plain_loop(X, y_enc, module, epochs, batch_size, lr, device):
    data = SequenceDataset(X, np.full(len(X), X.shape[1]), y_enc)
    opt = torch.optim.Adam(module.parameters(), lr=lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    for _ in range(epochs):
        module.train()
        for xb, yb in torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True,
                                                  collate_fn=pad_collate):
            xb = {k: v.to(device) for k, v in xb.items()}
            opt.zero_grad()
            loss = loss_fn(module(**xb), yb.to(device))
            loss.backward()
            opt.step()
            loss.item()  # skorch reads the loss every batch, so the loop does too
    return module


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=256)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--features", type=int, default=2048)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--classes", type=int, default=5)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--device", default="cpu")
    args = p.parse_args(argv)

    rng = np.random.RandomState(0)
    X = rng.randn(args.n, args.steps, args.features).astype(np.float32)
    y = rng.randint(args.classes, size=args.n)

    def make_clf():
        return LSTMClassifier(hidden_sizes=args.hidden, max_epochs=args.epochs,
                              batch_size=args.batch_size, lr=1e-3, device=args.device,
                              random_state=0)

    # Warm-up (first-call kernel initialization), and a module with the same weights.
    ref = make_clf().set_params(max_epochs=1).fit(X[:64], y[:64])

    times = {"skorch": [], "plain": []}
    for _ in range(args.repeats):
        clf = make_clf()
        t0 = time.perf_counter()
        clf.fit(X, y)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        times["skorch"].append(time.perf_counter() - t0)

        t0 = time.perf_counter()
        torch.manual_seed(0)
        module = type(ref.module_)(n_features=args.features, n_classes=args.classes,
                                   hidden_sizes=(args.hidden,)).to(args.device)
        plain_loop(X, y.astype(np.int64), module, args.epochs, args.batch_size, 1e-3,
                   args.device)
        if args.device.startswith("cuda"):
            torch.cuda.synchronize()
        times["plain"].append(time.perf_counter() - t0)

    best = {k: min(v) for k, v in times.items()}
    n_batches = args.epochs * -(-args.n // args.batch_size)
    print(f"data: {args.n} x {args.steps} x {args.features}, LSTM {args.hidden}, "
          f"{args.epochs} epochs, batch {args.batch_size} ({n_batches} steps), "
          f"device {args.device}, torch threads {torch.get_num_threads()}")
    for k in ("plain", "skorch"):
        print(f"{k:>7}: best {best[k]:.3f} s  (all: {', '.join(f'{t:.3f}' for t in times[k])})")
    print(f"ratio skorch / plain: {best['skorch'] / best['plain']:.3f}  (goal <= 1.05)")


if __name__ == "__main__":
    main()
