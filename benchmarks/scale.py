"""Scaling out and memory of featurization (the machine may be shared: timings are noisy).

Prints:
1. InceptionFrameTransformer's frames/s with 1 and 2 local workers (joblib ``n_jobs``, the
   loky process backend; with ``--dask``, also a ``dask.distributed`` LocalCluster of 2
   single-thread worker processes) and the 2-worker/1-worker ratio. The network is built
   and the workers started before the timed run; the cache is off, so every frame is
   computed. On a 2-core machine 1 worker already uses both cores through torch's threads,
   so the ratio measures overhead more than speed-up.
2. Peak RSS of featurizing ``--small`` (100) and ``--large`` (1,000) short synthetic videos
   written to disk, each measured in a fresh subprocess, and their ratio (goal: under 1.2,
   since nothing holds the whole set: frames stream from disk, only features are kept).

Usage: python benchmarks/scale.py [--quick] [--dask]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings

CHILD = r"""
import glob, sys, time, warnings
warnings.simplefilter("ignore")
from skvideo_clf.features import InceptionFrameTransformer
folder, size, seq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
paths = sorted(glob.glob(folder + "/**/*.avi", recursive=True))


def status(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0


tf = InceptionFrameTransformer(weights=None, input_size=size, sequence_length=seq,
                               random_state=0).fit(paths[:1])
# VmHWM, not getrusage's ru_maxrss: Linux carries ru_maxrss over exec from the parent
# (this benchmark, with torch and a dask cluster loaded), VmHWM belongs to this process
fit_peak = status("VmHWM")
try:  # reset the peak (Linux >= 4.0) so that it measures transform alone
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
except OSError:
    pass
base = status("VmRSS")
start = time.perf_counter()
X = tf.transform(paths)
dt = time.perf_counter() - start
assert X.shape == (len(paths), seq, 2048)
print(len(paths), fit_peak, base, status("VmHWM"), X.nbytes / 2**20, dt)
"""


def _featurizer(args, **kw):
    from skvideo_clf.features import InceptionFrameTransformer

    return InceptionFrameTransformer(weights=None, input_size=args.input_size,
                                     sequence_length=args.frames, random_state=0, **kw)


def throughput(args, videos, n_jobs, backend=None):
    """frames/s of transform(videos) after a warm-up transform (workers started)."""
    import joblib

    tf = _featurizer(args, n_jobs=n_jobs).fit(videos[:1])
    ctx = joblib.parallel_config(backend=backend) if backend else joblib.parallel_config()
    with ctx:
        tf.transform(videos[: max(2, n_jobs or 1)])  # warm-up: workers up, network shipped
        start = time.perf_counter()
        X = tf.transform(videos)
        dt = time.perf_counter() - start
    return X.shape[0] * X.shape[1] / dt


def peak_rss(folder, args):
    out = subprocess.run([sys.executable, "-c", CHILD, folder, str(args.input_size),
                          str(args.mem_frames)], check=True, capture_output=True, text=True)
    n, *rest = out.stdout.split()
    return (int(n), *map(float, rest))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer videos (a smoke test; ratios less meaningful)")
    parser.add_argument("--dask", action="store_true",
                        help="also time a dask.distributed LocalCluster of 2 workers")
    parser.add_argument("--input-size", type=int, default=139)
    parser.add_argument("--frames", type=int, default=8, help="frames per video (throughput)")
    parser.add_argument("--videos", type=int, default=48, help="videos (throughput)")
    parser.add_argument("--mem-frames", type=int, default=1, help="frames per video (memory)")
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--large", type=int, default=1000)
    args = parser.parse_args()
    if args.quick:
        args.videos, args.small, args.large = 8, 20, 200
    warnings.simplefilter("ignore")  # random weights: measuring speed, not meaning
    from skvideo_clf.datasets import make_video_classification

    print(f"cpu cores: {os.cpu_count()}, load average: "
          f"{' '.join(f'{v:.1f}' for v in os.getloadavg())} (shared machine: noisy timings)")
    videos, _ = make_video_classification(args.videos // 2, n_classes=2, n_frames=8,
                                          frame_size=(64, 64), random_state=0)
    print(f"\n1. throughput: {len(videos)} videos x {args.frames} frames, "
          f"input {args.input_size} px, no cache")
    one = throughput(args, videos, 1)
    print(f"   1 worker  (n_jobs=1)          {one:8.1f} frames/s")
    two = throughput(args, videos, 2)
    print(f"   2 workers (n_jobs=2, loky)    {two:8.1f} frames/s   ratio 2/1: {two / one:.2f}")
    if args.dask:
        from distributed import Client, LocalCluster

        with LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                          dashboard_address=None, silence_logs=40) as cluster, \
                Client(cluster):
            dk = throughput(args, videos, 2, backend="dask")
        print(f"   2 workers (dask LocalCluster) {dk:8.1f} frames/s   ratio 2/1: {dk / one:.2f}")

    print(f"\n2. peak RSS, fresh process per run: short synthetic AVIs (8 frames, 32x32), "
          f"{args.mem_frames} frame(s) each, input {args.input_size} px")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (args.small, args.large):
            folder = os.path.join(tmp, f"n{n}")
            # written in batches of 100 so that this process never holds the set either
            for b in range(0, n, 100):
                m = min(100, n - b)
                sizes = [m // 2, m - m // 2]
                sub = os.path.join(folder, f"b{b}")
                os.makedirs(sub, exist_ok=True)
                make_video_classification(sizes, n_classes=2, n_frames=8, output_dir=sub,
                                          random_state=b)
            rows.append(peak_rss(folder, args))
    # fit peak: the whole process up to the built network; RSS before / peak during
    # transform: the peak is reset after fit, so it is transform's own high-water mark
    print(f"   {'videos':>7}{'fit peak MiB':>14}{'RSS before':>12}{'peak in transform':>19}"
          f"{'features MiB':>14}{'seconds':>9}")
    for n, fit_peak, base, peak, out_mib, dt in rows:
        print(f"   {n:>7}{fit_peak:>14.1f}{base:>12.1f}{peak:>19.1f}{out_mib:>14.1f}{dt:>9.1f}")
    (n0, f0, _, p0, _, _), (n1, f1, _, p1, _, _) = rows
    print(f"   peak RSS ratio {n1}/{n0} videos, whole process: {max(f1, p1) / max(f0, p0):.3f}; "
          f"during transform: {p1 / p0:.3f} (goal < 1.2)")


if __name__ == "__main__":
    main()
