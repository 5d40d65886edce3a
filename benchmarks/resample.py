"""Resampling cost as a fraction of featurization cost on the same data.

The samplers return lazy clips, so their cost should vanish next to featurizing the
clips they return. The only video access at resampling time is counting the decodable
frames of each video that gets a synthetic clip (``video_info``: one grab pass per file,
cached per process; free for in-memory arrays), measured here *cold* (cache emptied) and
warm.

For each input kind (AVI files on disk, in-memory arrays) and each sampler, prints the
resampling time, the time InceptionV3 takes to featurize the resampled clips
(``transform`` only: the network is built beforehand, as a fitted featurizer would be),
and their ratio. The goal is a ratio under 2%.

    python benchmarks/resample.py [--input-size 75] [--frames 48] [--sequence-length 8]
                                  [--scale 1.0]

Runs a few minutes on two busy CPU cores (featurizing the clips is what takes time).
"""

import argparse
import tempfile
import time
import warnings

import numpy as np

from skvideo_clf import video as video_module
from skvideo_clf.datasets import make_video_classification
from skvideo_clf.features import InceptionFrameTransformer
from skvideo_clf.features._weights import tf2015_path
from skvideo_clf.sampling import BootstrapSampler, SpatioTemporalOversampler


def best_of(fn, repeat, before=None):
    times = []
    out = None
    for _ in range(repeat):
        if before is not None:
            before()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input-size", type=int, default=75,
                        help="InceptionV3 input size (75 is the smallest, hence the "
                             "cheapest featurization and the least favourable ratio)")
    parser.add_argument("--frames", type=int, default=48, help="frames per video")
    parser.add_argument("--sequence-length", type=int, default=8)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies class sizes")
    args = parser.parse_args()

    sizes = [max(2, round(s * args.scale)) for s in (16, 8, 4, 2)]
    weights = "tf2015" if tf2015_path() else None
    warnings.filterwarnings("ignore", "InceptionFrameTransformer.weights=None")
    alpha = args.sequence_length
    featurizer = InceptionFrameTransformer(weights=weights, input_size=args.input_size,
                                           sequence_length=alpha)
    print(f"class sizes {sizes}, {args.frames} frames of 64x64 per video, alpha={alpha}, "
          f"InceptionV3 weights={weights} input_size={args.input_size}")

    with tempfile.TemporaryDirectory() as tmp:
        paths, y = make_video_classification(sizes, n_frames=args.frames,
                                             frame_size=(64, 64), output_dir=tmp,
                                             random_state=0)
        arrays, _ = make_video_classification(sizes, n_frames=args.frames,
                                              frame_size=(64, 64), random_state=0)
        featurizer.fit(arrays[:1])  # build the network once, outside the timings
        samplers = {
            "SpatioTemporalOversampler": SpatioTemporalOversampler(sequence_length=alpha,
                                                                   random_state=0),
            "BootstrapSampler": BootstrapSampler(random_state=0),
        }
        print(f"{'input':<7} {'sampler':<26} {'n_out':>5} {'resample cold':>14} "
              f"{'resample warm':>14} {'featurize':>10} {'cold ratio':>11} "
              f"{'warm ratio':>11}")
        for kind, videos in (("files", paths), ("arrays", arrays)):
            for name, sampler in samplers.items():
                cold, (clips, _) = best_of(lambda s=sampler, v=videos: s.fit_resample(v, y), 3,
                                           before=video_module.video_info.cache_clear)
                warm, _ = best_of(lambda s=sampler, v=videos: s.fit_resample(v, y), 3)
                feat, _ = best_of(lambda c=clips: featurizer.transform(c), 1)
                print(f"{kind:<7} {name:<26} {len(clips):>5} {cold:>13.4f}s {warm:>13.4f}s "
                      f"{feat:>9.2f}s {100 * cold / feat:>10.2f}% {100 * warm / feat:>10.2f}%")


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
