"""
ResBiLSTM vs LSTM vs frame voting on classes that differ only in time
=====================================================================

The UCF101 thesis compares two ways of classifying a video from per-frame CNN features: classify
each
frame and let the frames vote (:class:`~skvideo_clf.neural.FrameVotingClassifier`), or run a
recurrent network over the sequence (:class:`~skvideo_clf.neural.LSTMClassifier`); the
CNN-ResBiLSTM paper
adds the residual bidirectional LSTM (:class:`~skvideo_clf.neural.ResBiLSTMClassifier`).

The synthetic classes used here come in pairs that show the same objects in opposite or
rearranged temporal order (:data:`~skvideo_clf.datasets.TEMPORAL_PAIRS`): a square moving
right or left, a disc growing or shrinking, a diamond appearing then vanishing or the
reverse. Voting ignores frame order, so within a pair it can only guess; the sequence models
can use the order. How well they do, pair by pair, is in the chart below (in this small run
the moving square is the hardest pair for every model).
"""

# %%
# Features once, then three classifiers
# -------------------------------------
# The featurizer runs once; the classifiers are compared on the same feature sequences.
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skvideo_clf.datasets import TEMPORAL_PAIRS, make_video_classification
from skvideo_clf.features import InceptionFrameTransformer
from skvideo_clf.metrics import evaluate
from skvideo_clf.neural import FrameVotingClassifier, LSTMClassifier, ResBiLSTMClassifier

videos, y = make_video_classification(16, n_classes=6, n_frames=12, clips_per_group=1,
                                      random_state=0)
cache = os.path.join(tempfile.gettempdir(), "skvideo_clf_gallery_cache")
features = InceptionFrameTransformer(input_size=75, sequence_length=8, memory=cache)
F = features.fit_transform(videos)  # (n_videos, 8, 2048)
F_train, F_test, y_train, y_test = train_test_split(F, y, test_size=0.4, stratify=y,
                                                    random_state=0)
print("feature sequences:", F.shape)

models = {
    "frame voting": FrameVotingClassifier(hidden_size=64, max_epochs=30, random_state=0),
    "LSTM": LSTMClassifier(hidden_sizes=(64,), max_epochs=30, random_state=0),
    "ResBiLSTM": ResBiLSTMClassifier(hidden_size=64, fc_size=64, max_epochs=30,
                                     random_state=0),
}
reports = {}
for name, clf in models.items():
    clf.fit(F_train, y_train)
    reports[name] = evaluate(y_test, y_score=clf.predict_proba(F_test), labels=clf.classes_)
    print(f"{name:>12}: accuracy {reports[name].accuracy:.3f}, "
          f"macro F1 {reports[name].f1_macro:.3f}")

# %%
# Recall per class
# ----------------
# Classes are ordered by pair: (move_right, move_left), (grow, shrink),
# (appear_vanish, vanish_appear).
classes = [c for pair in TEMPORAL_PAIRS for c in pair]
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
pos = np.arange(len(classes))
for j, (name, report) in enumerate(reports.items()):
    ax.bar(pos + (j - 1) * 0.27, [report.per_class[c]["recall"] for c in classes],
           width=0.27, label=name)
ax.set_xticks(pos, classes, rotation=30, ha="right")
ax.set_ylim(0, 1.3)
ax.set_ylabel("recall")
ax.legend(loc="upper center", ncols=3)
ax.set_title("Order-blind voting vs sequence models on temporal pairs")
plt.show()

# %%
# The confusion matrix of frame voting shows where its errors go: into the other class of
# the same pair.
reports["frame voting"].plot_confusion_matrix(normalize="true", colorbar=False)
plt.title("Frame voting: recall per class")
plt.show()
