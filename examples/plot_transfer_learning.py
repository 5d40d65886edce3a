"""
Transfer learning to new classes
================================

Seed 003 trains a recurrent network on some categories, then keeps everything but the class
layer and trains only a new head on new categories. With
:meth:`~skvideo_clf.neural.NeuralClassifierBase.refit_head` a fitted network does this in one
call: a new class layer for the labels of the new ``y``, every other layer frozen.

Here a :class:`~skvideo_clf.neural.ResBiLSTMClassifier` learns four classes of motion (a
square moving right or left, a diamond appearing then vanishing or the reverse), and its
recurrent layers are reused for four new classes with two training videos each: a disc
growing or shrinking (a temporal pair: only frame order tells them apart) and two static
textures. The comparison is a network of the same shape trained from scratch on the same
few videos.
"""

# %%
# Old classes, new classes
# ------------------------
import os
import tempfile
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

from skvideo_clf.datasets import make_video_classification
from skvideo_clf.features import InceptionFrameTransformer
from skvideo_clf.neural import ResBiLSTMClassifier

videos, y = make_video_classification(8, n_frames=12, clips_per_group=1, random_state=1)
cache = os.path.join(tempfile.gettempdir(), "skvideo_clf_gallery_cache")
F = InceptionFrameTransformer(input_size=75, sequence_length=6,
                              memory=cache).fit_transform(videos)

old_classes = ["move_right", "move_left", "appear_vanish", "vanish_appear"]
old = np.isin(y, old_classes)
F_new, y_new = F[~old], y[~old]
F_new_train, F_new_test, y_new_train, y_new_test = train_test_split(
    F_new, y_new, train_size=8, stratify=y_new, random_state=0)  # 2 videos per new class
print("old classes:", np.unique(y[old]).tolist(), "-", int(old.sum()), "videos")
print("new classes:", np.unique(y_new).tolist(), "-", len(y_new_train), "training videos")


def network():
    return ResBiLSTMClassifier(hidden_size=64, fc_size=64, max_epochs=40, random_state=0)


# %%
# Train on the old classes, refit the head on the new ones
# --------------------------------------------------------
base = network().fit(F[old], y[old])
t0 = time.perf_counter()
base.refit_head(F_new_train, y_new_train)
t_head = time.perf_counter() - t0
print("classes after refit_head:", base.classes_.tolist())

t0 = time.perf_counter()
scratch = network().fit(F_new_train, y_new_train)
t_scratch = time.perf_counter() - t0

scores = {"head only (transfer)": base.score(F_new_test, y_new_test),
          "from scratch": scratch.score(F_new_test, y_new_test)}
for name, score in scores.items():
    print(f"{name:>20}: accuracy on the new classes {score:.3f}")
print(f"training time: head {t_head:.1f} s, from scratch {t_scratch:.1f} s")

# %%
# Which wins depends on how much the new classes share with the old ones and on how few
# examples they have: the numbers above are this run's. Right, the training losses of the
# two runs on the new classes.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
axes[0].bar(list(scores), list(scores.values()), color=["tab:green", "tab:gray"])
axes[0].set_ylim(0, 1)
axes[0].set_ylabel("test accuracy, new classes")
epochs = [row["epoch"] for row in scratch.history_]
axes[1].plot(epochs, scratch.history_[:, "train_loss"], label="from scratch")
head_losses = base.history_[:, "train_loss"][-len(epochs):]
axes[1].plot(epochs[:len(head_losses)], head_losses, label="head only")
axes[1].set_xlabel("epoch")
axes[1].set_ylabel("training loss")
axes[1].legend()
plt.show()
