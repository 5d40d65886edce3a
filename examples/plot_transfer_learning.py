"""
Transfer learning to new classes
================================

The low-complexity RNN paper trains a recurrent network on five categories, then keeps everything
but the class
layer: "the network is initially trained using data from 5 categories and then fine-tuned
using the data from the remaining 5 categories. In the fine-tuning stage, the
fully-connected layer is trained", a transfer "from 5 to 10 categories": the new head scores
all ten. With :meth:`~skvideo_clf.neural.NeuralClassifierBase.refit_head` a fitted network
does this in one call: ``keep_classes=True`` gives a class layer over the old classes and the
new ones (the old classes' rows start from the old head), every other layer frozen;
``keep_classes=False`` (the default) gives a head over the new classes only.

The synthetic videos have eight classes, so here the transfer goes from four to eight: a
:class:`~skvideo_clf.neural.ResBiLSTMClassifier` learns four classes of motion (a square
moving right or left, a diamond appearing then vanishing or the reverse), and its recurrent
layers are reused for all eight classes, the four new ones with two training videos each: a
disc growing or shrinking (a temporal pair: only frame order tells them apart) and two
static textures.
"""

# %%
# Old classes, new classes
# ------------------------
import copy
import os
import tempfile

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
F_old_train, F_old_test, y_old_train, y_old_test = train_test_split(
    F[old], y[old], train_size=24, stratify=y[old], random_state=0)
F_new_train, F_new_test, y_new_train, y_new_test = train_test_split(
    F[~old], y[~old], train_size=8, stratify=y[~old], random_state=0)  # 2 per new class
print("old classes:", np.unique(y[old]).tolist(), "-", len(y_old_train), "training videos")
print("new classes:", np.unique(y[~old]).tolist(), "-", len(y_new_train), "training videos")

# %%
# Train on the old classes, then one head over all eight
# -------------------------------------------------------
# ``keep_classes=True``: the new head has a row for each of the eight classes. Trained on
# the new classes' videos alone (the paper's fine-tuning data), a softmax head learns to
# push the old classes down; trained on the old classes' training videos as well, it keeps
# them. Both are one call.
base = ResBiLSTMClassifier(hidden_size=64, fc_size=64, max_epochs=40,
                           random_state=0).fit(F_old_train, y_old_train)

new_only = copy.deepcopy(base).refit_head(F_new_train, y_new_train, keep_classes=True,
                                          max_epochs=20)
both = copy.deepcopy(base).refit_head(np.concatenate([F_old_train, F_new_train]),
                                      np.concatenate([y_old_train, y_new_train]),
                                      keep_classes=True, max_epochs=20)
print("classes after refit_head(keep_classes=True):", both.classes_.tolist())

# The other reading, a head over the four new classes only (keep_classes=False):
new_head = copy.deepcopy(base).refit_head(F_new_train, y_new_train, max_epochs=20)
print("classes after refit_head():", new_head.classes_.tolist())

scores = {
    "8-way head,\nnew videos": (new_only.score(F_old_test, y_old_test),
                                new_only.score(F_new_test, y_new_test)),
    "8-way head,\nold + new videos": (both.score(F_old_test, y_old_test),
                                      both.score(F_new_test, y_new_test)),
    "4-way head,\nnew videos": (np.nan, new_head.score(F_new_test, y_new_test)),
}
for name, (acc_old, acc_new) in scores.items():
    print(f"{name.replace(chr(10), ' '):>30}: hit@1 old classes {acc_old:.3f}, "
          f"new classes {acc_new:.3f}")

# %%
# The numbers are this run's, on a small synthetic set: which head wins depends on how
# much the new classes share with the old ones and on how few examples they have.
fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
pos = np.arange(len(scores))
ax.bar(pos - 0.2, [v[0] for v in scores.values()], 0.4, label="old classes")
ax.bar(pos + 0.2, [v[1] for v in scores.values()], 0.4, label="new classes")
ax.set_xticks(pos, list(scores))
ax.set_ylim(0, 1)
ax.set_ylabel("test hit@1")
ax.legend()
plt.show()
