"""Timeline of a long video: time against decoding its distinct frames + the network.

The case of issue 22: a 10-minute 720p H.264 video (30 fps, a keyframe every 2 s), 2 s
windows every 1 s, 8 frames per window (the model's sequence length), through
:func:`skvideo_clf.inference.predict_timeline`. The baseline decodes the same distinct
frames (the union of the windows' frames, in one seeking pass of ``read_frames``) and runs
the same network on them, nothing else. Each run is a fresh process, so its peak memory
(VmHWM) is its own; the run on a shorter video shows whether peak memory grows with the
video's length (it should not: windows are streamed in batches, the video never held).

Prints, per case, the time and peak memory of ``--runs`` runs (min / median / max) and the
ratio timeline / baseline (the issue asks for at most 1.2).

Videos are made as benchmarks/make_long_videos.py makes them (H.264 through PyAV, a moving
pattern, 30 fps), with a keyframe every 2 s, and cached in the temp folder; or taken from
``--video`` / ``--short-video``. The network defaults to EfficientNet-Lite0 with random
weights at 224 px (timing only; no download). On two CPU cores the full case takes about
as long as its video for each run; ``--minutes``/``--size`` make it smaller.

    python benchmarks/timeline.py                      # the issue's case, 3 runs each
    python benchmarks/timeline.py --minutes 0.5 --short-minutes 0.25 --size 320x240 \\
        --runs 1 --input-size 64                       # a smoke test (seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from make_long_videos import make  # benchmarks/, beside this script

CHILD = r"""
import json, resource, sys, time
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from skvideo_clf.features import FrameFeatureTransformer, TemporalPooling
from skvideo_clf.inference import predict_timeline
from skvideo_clf.video import Clip, sliding_windows

def rss(field):
    line = [l for l in open("/proc/self/status") if l.startswith(field + ":")][0]
    return int(line.split()[1]) / 1024.0

path, mode, window, stride, length, backbone, size, threads = sys.argv[1:9]
window, stride, length, size = float(window), float(stride), int(length), int(size)
import torch
torch.set_num_threads(int(threads))
rng = np.random.default_rng(0)
train = [rng.integers(0, 255, (length, 32, 32, 3), dtype=np.uint8) for _ in range(4)]
feats = FrameFeatureTransformer(backbone=backbone, weights=None, sequence_length=length,
                                preprocessing={"input_size": size}, random_state=0)
model = make_pipeline(feats, TemporalPooling(), LogisticRegression())
model.fit(train, ["a", "b", "a", "b"])
windows = sliding_windows(path, window, stride, frames_per_window=length)
distinct = sorted({i for w in windows for i in w.frame_indices})
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

before = rss("VmRSS")
start, cpu_start = time.perf_counter(), cpu()
if mode == "timeline":
    tl = predict_timeline(model, path, window, stride)
    n_rows = len(tl)
else:  # the distinct frames, decoded in one seeking pass, through the same network
    feats.set_params(sequence_length=None)
    out = feats.transform([Clip(path, tuple(distinct))])
    n_rows = len(out[0])
elapsed, cpu_s = time.perf_counter() - start, cpu() - cpu_start
print(json.dumps({"seconds": elapsed, "cpu_seconds": cpu_s, "peak_mib": rss("VmHWM"),
                  "before_mib": before,
                  "windows": len(windows), "distinct_frames": len(distinct),
                  "rows": n_rows}))
"""


def cached_video(minutes, size):
    folder = os.path.join(tempfile.gettempdir(), "skvideo_clf_bench")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"timeline_{minutes:g}min_{size}.mp4")
    if not os.path.exists(path):
        width, height = (int(v) for v in size.split("x"))
        part = path + ".part.mp4"
        make(part, minutes * 60, width, height, fps=30, gop=60)  # a keyframe every 2 s
        os.replace(part, path)
    return path


def run_child(path, mode, args):
    cmd = [sys.executable, "-c", CHILD, path, mode, str(args.window), str(args.stride),
           str(args.frames), args.backbone, str(args.input_size), str(args.threads)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def spread(values, fmt="{:.2f}"):
    return " / ".join(fmt.format(v) for v in (min(values), statistics.median(values),
                                              max(values)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", help="a long video to use (default: made with ffmpeg)")
    parser.add_argument("--short-video", help="a shorter one, for peak memory vs length")
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--short-minutes", type=float, default=2.0)
    parser.add_argument("--size", default="1280x720", help="WxH of made videos")
    parser.add_argument("--window", type=float, default=2.0, help="seconds")
    parser.add_argument("--stride", type=float, default=1.0, help="seconds")
    parser.add_argument("--frames", type=int, default=8, help="frames per window")
    parser.add_argument("--backbone", default="efficientnet_lite0")
    parser.add_argument("--input-size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)

    long_path = args.video or cached_video(args.minutes, args.size)
    short_path = args.short_video or cached_video(args.short_minutes, args.size)
    print(f"long: {long_path}\nshort: {short_path}")
    print(f"windows {args.window:g} s every {args.stride:g} s, {args.frames} frames each; "
          f"{args.backbone} at {args.input_size} px, {args.threads} threads; "
          f"{args.runs} runs (min / median / max)")
    results = {}
    for name, path in (("long", long_path), ("short", short_path)):
        for mode in ("timeline", "baseline"):
            results[name, mode] = [run_child(path, mode, args) for _ in range(args.runs)]
            first = results[name, mode][0]
            secs = [r["seconds"] for r in results[name, mode]]
            cpus = [r["cpu_seconds"] for r in results[name, mode]]
            peak = [r["peak_mib"] for r in results[name, mode]]
            delta = [r["peak_mib"] - r["before_mib"] for r in results[name, mode]]
            print(f"{name:>5} {mode:<8}: {first['windows']} windows, "
                  f"{first['distinct_frames']} distinct frames; time s {spread(secs)} (CPU s "
                  f"{spread(cpus)}); "
                  f"peak MiB {spread(peak, '{:.0f}')} (+{spread(delta, '{:.0f}')} over "
                  "the process before the call)")
        ratios = [t["seconds"] / b["seconds"]
                  for t, b in zip(results[name, "timeline"], results[name, "baseline"])]
        cpu_ratios = [t["cpu_seconds"] / b["cpu_seconds"]
                      for t, b in zip(results[name, "timeline"], results[name, "baseline"])]
        print(f"{name:>5} ratio timeline / (decode distinct frames + network): "
              f"{spread(ratios)} (run by run; CPU time: {spread(cpu_ratios)})")
    grow = [lg["peak_mib"] - sh["peak_mib"]
            for lg, sh in zip(results["long", "timeline"], results["short", "timeline"])]
    print(f"peak memory of the timeline, long minus short video: {spread(grow, '{:+.0f}')} "
          "MiB")


if __name__ == "__main__":
    main()
