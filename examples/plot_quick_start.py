"""
Quick start: a video classification Pipeline on imbalanced data
===============================================================

The whole library in one :class:`imblearn.pipeline.Pipeline`:

1. :class:`~skvideo_clf.sampling.SpatioTemporalOversampler` (the CNN-ResBiLSTM paper) adds
   synthetic clips of the minority classes while fitting: new frames drawn in time, one
   random augmentation per clip. It returns lazy :class:`~skvideo_clf.video.Clip` values, nothing is decoded yet;
2. :class:`~skvideo_clf.features.InceptionFrameTransformer` turns each video (or clip) into
   a sequence of 2048-d InceptionV3 features, with real ImageNet weights;
3. :class:`~skvideo_clf.neural.ResBiLSTMClassifier` (the CNN-ResBiLSTM paper) classifies the
   sequences, with class weighting.

The pipeline is then scored with :func:`skvideo_clf.metrics.evaluate`, which gives every
number the papers report. Frames are resized to 75 px and each video gives 6 frames so the
example runs in seconds on a CPU; the papers use 299 px and 40 frames.
"""

# %%
# Imbalanced synthetic videos
# ---------------------------
# :func:`~skvideo_clf.datasets.make_video_classification` draws small real videos. The class
# sizes follow the CNN-ResBiLSTM paper's disaster set (400 down to 40 videos), scaled down.
# Each video is its own group here, so a stratified split is also a group-aware one.
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skvideo_clf.datasets import disaster_class_sizes, make_video_classification

sizes = disaster_class_sizes(0.05)
videos, y = make_video_classification(sizes, n_frames=12, clips_per_group=1, random_state=0)
X = np.empty(len(videos), dtype=object)  # one (T, H, W, 3) uint8 array per video
X[:] = videos
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.4, stratify=y,
                                                    random_state=0)
classes, counts = np.unique(y_train, return_counts=True)
print(dict(zip(classes.tolist(), counts.tolist())))

# %%
# The pipeline
# ------------
# The sampler comes first: it works on videos and hands clips to the featurizer, in
# ``fit`` only. ``memory`` is a frame cache: each frame is computed once, across fits and
# examples (this gallery shares one).
from imblearn.pipeline import Pipeline  # noqa: E402

from skvideo_clf.features import InceptionFrameTransformer  # noqa: E402
from skvideo_clf.neural import ResBiLSTMClassifier  # noqa: E402
from skvideo_clf.sampling import SpatioTemporalOversampler  # noqa: E402

cache = os.path.join(tempfile.gettempdir(), "skvideo_clf_gallery_cache")
T = 6
pipe = Pipeline([
    ("resample", SpatioTemporalOversampler(sequence_length=T, random_state=0)),
    ("features", InceptionFrameTransformer(input_size=75, sequence_length=T, memory=cache)),
    ("clf", ResBiLSTMClassifier(hidden_size=64, fc_size=64, class_weight="balanced",
                                max_epochs=30, random_state=0)),
])
pipe.fit(X_train, y_train)
print("weights used:", pipe.named_steps["features"].weights_)

# %%
# The report
# ----------
# Scores come from ``predict_proba`` in ``classes_`` order; the predicted label is the class
# with the highest probability.
from skvideo_clf.metrics import evaluate  # noqa: E402

report = evaluate(y_test, y_score=pipe.predict_proba(X_test), labels=pipe.classes_)
print(report)

# %%
# The confusion matrix, normalized per true class (per-class recall), shows how the
# minority classes fare; the precision-recall curves rank each class against the rest.
fig, axes = plt.subplots(1, 2, figsize=(12, 5), layout="constrained")
report.plot_confusion_matrix(ax=axes[0], normalize="true", colorbar=False)
axes[0].set_title("Recall per class")
report.plot_precision_recall(ax=axes[1])
plt.show()

# %%
# ``report.save("my_report")`` writes the same as Markdown, CSV, JSON and PNG files, and
# the ``skvideo-clf`` command does all of the above from a shell
# (``skvideo-clf fit``, ``skvideo-clf evaluate``).
