"""
Multi-label videos: ML-ROS ahead of an LSTM, scored by mAP and GAP@20
=====================================================================

YouTube-8M and CCV label a video with several classes. Here each synthetic video shows one to
three scenes at once (:func:`~skvideo_clf.datasets.make_video_classification` with
``multilabel=True``), and ``y`` is a binary indicator matrix ``(n_videos, n_labels)``. The
labels are imbalanced: the last one is the own class of few videos.

The pipeline turns every frame into a tiny grey thumbnail, clones videos carrying the rarest
labels with :class:`~skvideo_clf.sampling.MLROSSampler` (ML-ROS, Charte et al. 2015; only
while fitting) and trains an :class:`~skvideo_clf.neural.LSTMClassifier` with one sigmoid per
label. :func:`~skvideo_clf.metrics.evaluate` then prints the multi-label report:
mAP and per-label average precision, hit@k, GAP@20 and label-wise F1.
"""

# %%
# Multi-label synthetic videos
# ----------------------------
import cv2
import numpy as np
from imblearn.pipeline import make_pipeline
from sklearn.model_selection import train_test_split

from skvideo_clf.datasets import SYNTHETIC_CLASSES, make_video_classification
from skvideo_clf.features import FunctionFrameTransformer
from skvideo_clf.metrics import evaluate
from skvideo_clf.neural import LSTMClassifier
from skvideo_clf.sampling import MLROSSampler, imbalance_ratio_per_label

videos, Y = make_video_classification([40, 40, 30, 8], n_frames=8, frame_size=(16, 16),
                                      multilabel=True, random_state=0)
labels = SYNTHETIC_CLASSES[:Y.shape[1]]
print("videos per label:", dict(zip(labels, Y.sum(axis=0).tolist())))
print("labels per video:", np.bincount(Y.sum(axis=1))[1:].tolist(), "(1, 2, 3)")
videos_train, videos_test, Y_train, Y_test = train_test_split(
    videos, Y, test_size=0.3, random_state=0)
print("IRLbl on the training videos:", imbalance_ratio_per_label(Y_train).round(1).tolist())


# %%
# ML-ROS and an LSTM in one pipeline
# ----------------------------------
# A module-level function, so the featurizer's cache identity is stable.
def thumbnails(frames):
    """Each frame as a 4x4 grey image, in [0, 1]: where the bright shapes are."""
    return np.stack([cv2.resize(f.mean(axis=-1), (4, 4), interpolation=cv2.INTER_AREA)
                     .ravel() for f in frames]) / 255


model = make_pipeline(
    FunctionFrameTransformer(thumbnails, sequence_length=8),
    MLROSSampler(percentage=50, random_state=0),
    LSTMClassifier(hidden_sizes=(16,), max_epochs=60, batch_size=-1, lr=0.05,
                   random_state=0),
)
model.fit(videos_train, Y_train)
sampler = model.named_steps["mlrossampler"]
print("clones added per minority label:", sampler.sampling_strategy_)

# %%
# The multi-label report
# ----------------------
report = evaluate(Y_test, model.predict(videos_test),
                  y_score=model.predict_proba(videos_test), labels=labels)
print(report)
