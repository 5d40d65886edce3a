"""Peak memory of the streaming reader does not grow with video length.

Writes a short and a 20x longer 320x240 MJPG video, then reads every frame of each in a
fresh subprocess, once streaming (``read_frames``, one frame alive at a time) and once as a
bare baseline that keeps every frame (what ``np.stack(list(...))`` would do). Prints peak RSS
of each run and the long/short ratios.

    python benchmarks/reader_memory.py [--frames 60]
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

# Peak RSS from /proc's VmHWM: ru_maxrss would carry the parent's peak over exec().
CHILD = r"""
import sys
import numpy as np
from skvideo_clf.video import read_frames
path, mode = sys.argv[1], sys.argv[2]
total = 0.0
kept = []
for frame in read_frames(path):
    total += float(frame[0, 0, 0])
    if mode == "keep":
        kept.append(frame)
hwm = [l for l in open("/proc/self/status") if l.startswith("VmHWM:")][0]
print(int(hwm.split()[1]) / 1024.0)
"""


def peak_mib(path, mode):
    out = subprocess.run([sys.executable, "-c", CHILD, path, mode], check=True,
                         capture_output=True, text=True)
    return float(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=60, help="frames in the short video")
    args = parser.parse_args()
    from skvideo_clf.video import write_video

    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, size=(240, 320, 3), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as tmp:
        paths = {}
        for name, n in (("short", args.frames), ("long", 20 * args.frames)):
            frames = (np.roll(base, i, axis=1) for i in range(n))
            paths[name] = write_video(os.path.join(tmp, f"{name}.avi"), frames)
        print(f"{'mode':<10}{'short MiB':>12}{'long MiB':>12}{'long/short':>12}")
        for mode in ("stream", "keep"):
            short, long_ = peak_mib(paths["short"], mode), peak_mib(paths["long"], mode)
            label = "streaming" if mode == "stream" else "keep-all"
            print(f"{label:<10}{short:>12.1f}{long_:>12.1f}{long_ / short:>12.2f}")


if __name__ == "__main__":
    main()
