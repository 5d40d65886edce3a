"""
Fusing a spatial and a motion stream: the hybrid framework's Table 2 in miniature
=================================================================================

The hybrid framework (a hybrid deep learning framework for video classification) compares ways to
combine a *spatial* stream (CNN features of the frames) with a *motion* stream (features
of the optical flow). This example runs the same comparison grid on the synthetic videos
of :func:`skvideo_clf.datasets.make_video_classification`:

* **Spatial SVM**, **Motion SVM**: a chi2-kernel SVM on one stream
  (:class:`~skvideo_clf.fusion.Chi2SVC`);
* **SVM-EF**: one SVM on the average of the two chi2 kernels
  (:class:`~skvideo_clf.fusion.EarlyFusionSVC`);
* **SVM-LF**: the averaged probabilities of the two per-stream SVMs
  (:class:`~skvideo_clf.fusion.LateFusionClassifier`);
* **SVM-MKL**: lp-norm multiple kernel learning, p = 2
  (:class:`~skvideo_clf.fusion.MKLClassifier`);
* **NN-EF**: a neural network on the concatenated streams (a plain Pipeline);
* **NN-LF**: one neural network per stream, probabilities averaged;
* **non-regularized** and **regularized fusion network**
  (:class:`~skvideo_clf.neural.FusionNetClassifier` with and without its
  l2,1 + l1,1 penalty on the fusion layer);
* **hybrid**: an LSTM per stream plus the regularized fusion network, fused with
  weights chosen by cross-validation on the training videos.

The synthetic classes are built so that the streams complement each other: the spatial
stream, averaged over time, sees *what* is shown (a square, a disc, a diamond, stripes,
a checkerboard) but not in which direction it moves, while the motion stream sees *how*
it moves but not static textures. The numbers are from a few dozen tiny videos and vary
with the seed; the point is the shape of the table, not its third digit.
"""

# %%
# Videos and a group-aware split
# ------------------------------
# The clips of one group share a background, as in UCF101, so train and test videos
# come from different groups.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold

from skvideo_clf.datasets import make_video_classification

videos, y, groups = make_video_classification(
    class_sizes=9, n_frames=12, frame_size=(32, 32), return_groups=True, random_state=0
)
train, test = next(StratifiedGroupKFold(n_splits=3).split(videos, y, groups))
print(f"{len(videos)} videos, {len(np.unique(y))} classes: "
      f"{len(train)} for training, {len(test)} for testing")

# %%
# Two streams of frame features
# -----------------------------
# The spatial stream: InceptionV3 features of sampled frames
# (:class:`~skvideo_clf.features.InceptionFrameTransformer`, at its smallest input size
# so that the example runs on a CPU). The motion stream: histograms of dense optical
# flow (:class:`~skvideo_clf.features.OpticalFlowTransformer`), each time step stacking
# the flow of two consecutive frame pairs. For a faster spatial stream,
# :class:`~skvideo_clf.features.LowLevelFrameTransformer` has the same interface.
#
# Each featurizer returns sequences ``(n_videos, T, D)``. The streams are column blocks
# of one matrix, named once with :func:`~skvideo_clf.streams.streams_from_sizes` and
# shared by every estimator below. (With a pipeline per stream ending in
# :class:`~skvideo_clf.features.TemporalPooling`, :class:`sklearn.pipeline.FeatureUnion`
# builds the same video-level matrix; here the sequences are also needed, for the
# hybrid's LSTMs, so they are computed once and joined along their last axis.)
from skvideo_clf.features import (
    InceptionFrameTransformer,
    OpticalFlowTransformer,
    TemporalPooling,
)
from skvideo_clf.streams import streams_from_sizes

T = 3
t0 = time.perf_counter()
spatial = InceptionFrameTransformer(input_size=75, sequence_length=T)
motion = OpticalFlowTransformer(n_stack=2, flow_size=32, grid=2, sequence_length=T)
spatial_seq = spatial.fit_transform(videos)
motion_seq = motion.fit_transform(videos)
print(f"features in {time.perf_counter() - t0:.1f} s: spatial {spatial_seq.shape}, "
      f"motion {motion_seq.shape}")

# %%
# Video-level features for the SVMs and fusion networks: the time average of each
# sequence. Both streams are non-negative (pooled ReLU activations, histograms), as the
# chi2 kernel requires. Each stream is divided by its largest training value so that
# the LSTMs see comparable scales (the chi2 kernels' gamma adapts on its own, and the
# other networks standardize their input).
seq = np.concatenate([spatial_seq, motion_seq], axis=-1)
streams = streams_from_sizes(spatial=spatial_seq.shape[-1], motion=motion_seq.shape[-1])
for cols in streams.values():
    seq[..., cols] /= seq[train][..., cols].max()
X = TemporalPooling().fit_transform(seq)

# %%
# The comparison grid
# -------------------
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from skvideo_clf.fusion import (  # noqa: E402
    Chi2SVC,
    EarlyFusionSVC,
    LateFusionClassifier,
    MKLClassifier,
)
from skvideo_clf.neural import FusionNetClassifier, LSTMClassifier  # noqa: E402


def svm(stream=None):
    # Late-fusion members see only their stream's columns, so they need no stream name.
    return Chi2SVC(streams=streams if stream else None, stream=stream, C=10.0,
                   probability=True, random_state=0)


def net(streams=None, lambda2=0.0, lambda3=0.0):
    # A small two-layer network on standardized features, trained full-batch to keep
    # the example fast; with one stream (streams=None) it is a plain MLP.
    return make_pipeline(
        StandardScaler(),
        FusionNetClassifier(streams=streams, stream_size=64, fusion_size=64,
                            lambda2=lambda2, lambda3=lambda3, lr=3e-2,
                            max_epochs=30, batch_size=64, random_state=0),
    )


def lstm():
    return LSTMClassifier(hidden_sizes=(32,), lr=1e-2, max_epochs=30, batch_size=64,
                          random_state=0)


regularized = dict(lambda2=1e-3, lambda3=1e-3)
methods = {
    "Spatial SVM": svm("spatial"),
    "Motion SVM": svm("motion"),
    "SVM-EF": EarlyFusionSVC(streams=streams, C=10.0),
    "SVM-LF": LateFusionClassifier(
        [("spatial", svm(), "spatial"), ("motion", svm(), "motion")],
        streams=streams),
    "SVM-MKL": MKLClassifier(streams=streams, C=10.0),
    "NN-EF": net(),
    "NN-LF": LateFusionClassifier(
        [("spatial", net(), "spatial"), ("motion", net(), "motion")], streams=streams),
    "Non-regularized fusion": net(streams),
    "Regularized fusion": net(streams, **regularized),
}

# %%
# The hybrid reads the time-ordered sequences: a spatial LSTM and a motion LSTM see
# their stream's columns of ``seq`` (streams split the last axis of 3-D input too),
# and the regularized fusion network gets the time-pooled matrix through a pipeline
# (:class:`~skvideo_clf.features.TemporalPooling` in front of the same network).
# The fusion weights come from 2-fold cross-validation on the training videos only
# (more folds are better and slower).
hybrid = LateFusionClassifier(
    [("spatial LSTM", lstm(), "spatial"),
     ("motion LSTM", lstm(), "motion"),
     ("fusion net", make_pipeline(TemporalPooling(), net(streams, **regularized)), None)],
    streams=streams, weights="cv", cv=2)

rows = []
for name, clf in [*methods.items(), ("Hybrid", hybrid)]:
    data = seq if clf is hybrid else X
    t0 = time.perf_counter()
    clf.fit(data[train], y[train])
    pred = clf.predict(data[test])
    rows.append((name, accuracy_score(y[test], pred),
                 f1_score(y[test], pred, average="macro"), time.perf_counter() - t0))

print(f"{'method':<24}{'accuracy':>9}{'macro F1':>10}{'fit+predict s':>15}")
for name, acc, f1, seconds in rows:
    print(f"{name:<24}{acc:>9.3f}{f1:>10.3f}{seconds:>15.1f}")

# %%
# What the fusion learned: MKL's kernel weights, and the hybrid's cross-validated
# fusion weights.
mkl = methods["SVM-MKL"]
print("MKL kernel weights:", {k: round(v, 3) for k, v in mkl.stream_weights_.items()})
print("hybrid weights:", dict(zip(hybrid.named_estimators_, hybrid.weights_.round(2).tolist())))

# %%
# The table as a bar plot
# -----------------------
fig, ax = plt.subplots(figsize=(7, 4))
names = [r[0] for r in rows]
ax.barh(names, [r[1] for r in rows], color=["C0"] * 2 + ["C1"] * 3 + ["C2"] * 4 + ["C3"])
ax.invert_yaxis()
ax.set_xlim(0, 1)
ax.set_xlabel("test accuracy")
ax.set_title("Fusing spatial and motion streams (synthetic videos)")
fig.tight_layout()
plt.show()

# %%
# Reading the table
# -----------------
# As in the hybrid framework's Table 2, every SVM fusion beats both single-stream SVMs, and MKL
# ends up about level with simple averaging. The neural rows here are trained for a
# few seconds on 46 videos and sit below the SVMs; on real data the fusion networks
# need far more training (see the ``PRESETS`` of the neural classifiers). With 26 test
# videos one video is about 4 points of accuracy, so read differences of that size as
# noise. To run the same grid on a real dataset, replace the data cell with
# :func:`skvideo_clf.datasets.load_video_folder` and raise ``T``, ``input_size`` and
# the training epochs.
