"""Featurizing oversampled clips: RandAug per clip versus per frame, on AVI files.

``SpatioTemporalOversampler(augment_per="frame")`` gives each frame of a synthetic clip
its own augmentation. A featurizer reads the frames of one video under all their
augmentations in one decode pass (one job per video), so per-frame augmentation should
cost what per-clip augmentation costs: the same number of distinct (frame, augmentation)
pairs is featurized either way. Prints, per setting, the frames computed and the time of
``transform`` (best of ``--repeat``; no cache) for a cheap featurizer (mean colour per
frame, so decoding and augmenting dominate) and, with ``--inception``, InceptionV3 with
random weights at 75 px.

    python benchmarks/per_frame_augmentation.py [--videos 8] [--frames 120]
                                                [--sequence-length 40] [--inception]

The two settings should be within a few percent of each other.
"""

import argparse
import tempfile
import time

import numpy as np

from skvideo_clf.datasets import make_video_classification
from skvideo_clf.features import FunctionFrameTransformer, InceptionFrameTransformer
from skvideo_clf.sampling import SpatioTemporalOversampler


def mean_colour(frames):
    return frames.reshape(len(frames), -1, 3).mean(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--videos", type=int, default=8, help="videos per class (2 classes)")
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--sequence-length", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--inception", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        paths, y = make_video_classification(args.videos, n_classes=2, n_frames=args.frames,
                                             output_dir=root, random_state=0)
        y = np.asarray(y)
        keep = np.r_[np.flatnonzero(y == y[0]), np.flatnonzero(y != y[0])[:2]]
        paths, y = [paths[i] for i in keep], y[keep]  # imbalanced: videos vs 2
        featurizers = {"mean colour": lambda: FunctionFrameTransformer(
            mean_colour, sequence_length=args.sequence_length)}
        if args.inception:
            featurizers["InceptionV3 75 px"] = lambda: InceptionFrameTransformer(
                None, input_size=75, sequence_length=args.sequence_length, random_state=0)
        for per in ("clip", "frame"):
            clips, _ = SpatioTemporalOversampler(
                sequence_length=args.sequence_length, keep_original=False, augment_per=per,
                random_state=0).fit_resample(paths, y)
            for name, make in featurizers.items():
                tf = make().fit(clips[:1])
                best = np.inf
                for _ in range(args.repeat):
                    tf.n_frames_computed_ = 0
                    t = time.perf_counter()
                    tf.transform(clips)
                    best = min(best, time.perf_counter() - t)
                print(f"augment_per={per:5s} {name:18s} {len(clips)} clips, "
                      f"{tf.n_frames_computed_} frames computed, {best:.2f} s")


if __name__ == "__main__":
    main()
