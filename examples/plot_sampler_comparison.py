"""
Oversampling, bootstrapping or nothing: a grid search over samplers
===================================================================

Samplers are pipeline steps, so :class:`~sklearn.model_selection.GridSearchCV` can choose
between them like any other parameter. This example compares, on imbalanced synthetic
videos:

* ``"passthrough"``: no resampling;
* :class:`~skvideo_clf.sampling.SpatioTemporalOversampler` (the CNN-ResBiLSTM paper):
  synthetic clips of the minority classes, new frames drawn in time plus one random augmentation each;
* :class:`~skvideo_clf.sampling.BootstrapSampler` (the bootstrapping CNN paper):
  balanced pseudo-batches, the largest class split into batches and the others drawn with replacement.

They run in ``fit`` only (imbalanced-learn's :class:`~imblearn.pipeline.Pipeline`); the test
folds are never resampled. Macro F1 weighs every class equally, so it is the score that shows
what happens to the small classes.
"""

# %%
# Data and pipeline
# -----------------
import os
import tempfile

import matplotlib.pyplot as plt
import numpy as np
from imblearn.pipeline import Pipeline
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from skvideo_clf.datasets import disaster_class_sizes, make_video_classification
from skvideo_clf.features import InceptionFrameTransformer
from skvideo_clf.neural import LSTMClassifier
from skvideo_clf.sampling import BootstrapSampler, SpatioTemporalOversampler

videos, y = make_video_classification(disaster_class_sizes(0.05), n_frames=12,
                                      clips_per_group=1, random_state=0)
X = np.empty(len(videos), dtype=object)
X[:] = videos
classes, counts = np.unique(y, return_counts=True)
print(dict(zip(classes.tolist(), counts.tolist())))

T = 4
cache = os.path.join(tempfile.gettempdir(), "skvideo_clf_gallery_cache")
pipe = Pipeline([
    ("resample", "passthrough"),
    # One frame cache for every candidate and fold: each frame is computed once.
    ("features", InceptionFrameTransformer(input_size=75, sequence_length=T, memory=cache)),
    ("clf", LSTMClassifier(hidden_sizes=(64,), max_epochs=30, random_state=0)),
])

# %%
# The search
# ----------
# ``refit=False``: only the comparison is wanted here, not a final model.
candidates = {
    "none": "passthrough",
    "oversampler": SpatioTemporalOversampler(sequence_length=T, random_state=0),
    "bootstrapper": BootstrapSampler(random_state=0),
}
search = GridSearchCV(pipe, {"resample": list(candidates.values())},
                      scoring=["f1_macro", "balanced_accuracy", "accuracy"],
                      refit=False, cv=StratifiedKFold(2, shuffle=True, random_state=0))
search.fit(X, y)

results = search.cv_results_
for i, name in enumerate(candidates):
    print(f"{name:>12}: macro F1 {results['mean_test_f1_macro'][i]:.3f}, "
          f"balanced accuracy {results['mean_test_balanced_accuracy'][i]:.3f}, "
          f"accuracy {results['mean_test_accuracy'][i]:.3f}")

# %%
# The scores, mean and standard deviation over the two folds (the smallest class has
# only two videos).
fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
metrics = ["f1_macro", "balanced_accuracy", "accuracy"]
pos = np.arange(len(candidates))
for j, metric in enumerate(metrics):
    ax.bar(pos + (j - 1) * 0.27, results[f"mean_test_{metric}"], width=0.27,
           yerr=results[f"std_test_{metric}"], label=metric)
ax.set_xticks(pos, list(candidates))
ax.set_ylim(0, 1)
ax.set_ylabel("score (2-fold CV)")
ax.legend(loc="lower right")
ax.set_title("Imbalance handling in the same pipeline")
plt.show()
