"""Make the long test videos of benchmarks/featurize.py (not checked in: hundreds of MB).

H.264 (libx264 through PyAV), 30 fps, a keyframe every 250 frames, B-frames, a moving
test pattern drawn with OpenCV: 10-minute and 2-minute 720p by default.

Usage: python benchmarks/make_long_videos.py OUT_DIR [--minutes 10 2] [--size 1280x720]
"""

from __future__ import annotations

import argparse
import os
from fractions import Fraction

import cv2
import numpy as np


def make(path, seconds, width, height, fps=30, gop=250):
    import av  # the optional "av" extra: pip install av

    n = int(seconds * fps)
    base = np.zeros((height, width, 3), np.uint8)
    base[..., 0] = np.linspace(0, 255, width, dtype=np.uint8)[None, :]
    base[..., 1] = np.linspace(0, 255, height, dtype=np.uint8)[:, None]
    with av.open(path, "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0",
                          "preset": "ultrafast", "crf": "28"}
        stream.codec_context.time_base = Fraction(1, fps)
        for i in range(n):
            img = np.roll(base, 4 * i, axis=1)
            cv2.putText(img, f"{i:06d}", (20, height // 2), cv2.FONT_HERSHEY_SIMPLEX,
                        height / 240, (255, 255, 255), 2)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--minutes", type=float, nargs="+", default=[10, 2])
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--gop", type=int, default=250)
    args = parser.parse_args(argv)
    w, h = (int(v) for v in args.size.split("x"))
    os.makedirs(args.out, exist_ok=True)
    paths = []
    for minutes in args.minutes:
        path = os.path.join(args.out, f"long_{minutes:g}min_{h}p.mp4")
        if not os.path.exists(path):
            make(path, minutes * 60, w, h, gop=args.gop)
        paths.append(path)
        print(path)
    return paths


if __name__ == "__main__":
    main()
