"""
Long-tail losses on imbalanced videos: per-class recall
=======================================================

Every neural classifier of the package takes the long-tail literature's losses as plain
parameters, so trying them is one keyword away:

* ``loss="focal"`` (Lin et al., 2017), alone or with Cui et al.'s class-balanced weights
  ``class_weight="effective_number"`` (2019);
* ``loss="logit_adjusted"`` (Menon et al., 2021), and its post-hoc form
  ``posthoc_tau=1.0``, which changes the prediction of a cross-entropy network only;
* ``loss="ldam"`` with deferred re-weighting (Cao et al., 2019): LDAM-DRW;
* ``retrain_head_epochs`` (Kang et al., 2020): classifier re-training with
  class-balanced sampling on the frozen network;
* :class:`~skvideo_clf.neural.FrameStack` (VideoLT, Zhang et al., 2021): frames of two
  videos stacked in time, the share of each set by its class's running precision.

This example runs them on the demo's imbalanced synthetic videos (7 classes, 400 down to 40
videos scaled down to 20..2) and draws each class's recall, largest class first. With so
few videos the differences between methods are mostly noise: the point is the API and
the plot; ``skvideo-clf compare --protocol long-tail DATA_DIR`` measures them on your
own data with paired statistics.
"""

# %%
# Frame features, computed once
# -----------------------------
# The frame network is pre-trained and never sees the labels, so the features of every
# video can be computed once and shared by every method and fold.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.metrics import recall_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from skvideo_clf.features import InceptionFrameTransformer
from skvideo_clf.metrics import tail_classes, tail_recall
from skvideo_clf.neural import FrameStack, LSTMClassifier
from skvideo_clf.protocols import demo_dataset, get_protocol

videos, y, sizes = demo_dataset(get_protocol("demo").config("quick", scale=0.05))
print("videos per class:", sizes)
features = InceptionFrameTransformer(input_size=75, sequence_length=4).fit_transform(videos)

# %%
# The methods
# -----------
# One small LSTM, the same seed everywhere: only the imbalance handling changes.
base = LSTMClassifier(hidden_sizes=(32,), max_epochs=30, random_state=0)
methods = {
    "cross-entropy": {},
    "class weighting": dict(class_weight="balanced"),
    "focal": dict(loss="focal"),
    "class-balanced focal": dict(loss="focal", class_weight="effective_number"),
    "logit-adjusted": dict(loss="logit_adjusted"),
    "post-hoc adjustment": dict(posthoc_tau=1.0),
    "LDAM-DRW": dict(loss="ldam", class_weight="effective_number", reweight_start=0.8),
    "cRT": dict(retrain_head_epochs=10),
    "FrameStack": dict(callbacks=[("framestack", FrameStack())]),
}
cv = StratifiedKFold(2, shuffle=True, random_state=0)
classes = np.unique(y)
order = classes[np.argsort([-np.sum(y == c) for c in classes])]  # largest class first
recalls = {}
for name, params in methods.items():
    pred = cross_val_predict(clone(base).set_params(**params), features, y, cv=cv)
    recalls[name] = recall_score(y, pred, labels=order, average=None, zero_division=0)
    print(f"{name:>22}: balanced accuracy {recalls[name].mean():.3f}, "
          f"tail recall {tail_recall(y, pred):.3f}")

# %%
# Per-class recall
# ----------------
# The tail (classes below the median size) is shaded.
fig, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
tail = np.isin(order, tail_classes(y))
ax.axvspan(np.argmax(tail) - 0.5, len(order) - 0.5, color="0.92", zorder=0)
width = 0.8 / len(methods)
for j, (name, r) in enumerate(recalls.items()):
    ax.bar(np.arange(len(order)) + (j - len(methods) / 2 + 0.5) * width, r, width,
           label=name)
ax.set_xticks(np.arange(len(order)),
              [f"{c}\n({np.sum(y == c)})" for c in order])
ax.set_ylim(0, 1)
ax.set_ylabel("recall (2-fold cross-validation)")
ax.set_xlabel("class (videos), largest first; shaded: the tail")
ax.legend(ncol=3, fontsize="small", loc="upper right")
ax.set_title("Long-tail methods, one LSTM on the same frame features")
plt.show()
