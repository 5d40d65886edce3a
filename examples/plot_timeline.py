"""
A timeline of a long video: predictions over sliding windows
============================================================

A classifier fitted on short videos labels a whole file with one class. A long video
often holds several: :func:`~skvideo_clf.inference.predict_timeline` cuts it into
overlapping time windows (:func:`~skvideo_clf.video.sliding_windows`), predicts each
window as the pipeline predicts a video, and returns a
:class:`~skvideo_clf.inference.Timeline` of class probabilities over time. Overlapping
windows take their frames from one grid, so a frame shared by several windows is decoded
and featurized once.

Here a 20-second video shows stripes, then a checkerboard from 10 s on; the timeline
finds the change. The same from a shell::

    skvideo-clf predict MODEL long.avi --window 2 --stride 0.5 --segments --plot tl.png
"""

# %%
# A model of short videos
# -----------------------
# Textures from :func:`~skvideo_clf.datasets.make_video_classification` (stripes and a
# checkerboard), featurized by how much each frame changes across and along its rows,
# 8 frames per video, mean-pooled over time, and a logistic regression.
import os
import tempfile

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvideo_clf.datasets import make_video_classification
from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling


def edges(frames):
    """Mean absolute grey-level change along x and along y: 2 numbers per frame."""
    grey = frames.mean(axis=3)
    return np.stack([np.abs(np.diff(grey, axis=2)).mean(axis=(1, 2)),
                     np.abs(np.diff(grey, axis=1)).mean(axis=(1, 2))], axis=1)


videos, y = make_video_classification(6, n_frames=16, random_state=0)
keep = np.isin(y, ["stripes", "checker"])
train = [v for v, k in zip(videos, keep) if k]
model = make_pipeline(FunctionFrameTransformer(edges, sequence_length=8),
                      TemporalPooling(), StandardScaler(), LogisticRegression())
model.fit(train, y[keep])
print(model.classes_)

# %%
# A long video whose class changes halfway
# ----------------------------------------
# Ten unseen stripes videos, then ten checkerboards, written to one file at 16 fps:
# 20 seconds, the change at 10 s.
from skvideo_clf.video import video_info, write_video  # noqa: E402

more, y_more = make_video_classification(10, n_frames=16, random_state=1)
first = [v for v, c in zip(more, y_more) if c == "stripes"]
second = [v for v, c in zip(more, y_more) if c == "checker"]
path = os.path.join(tempfile.mkdtemp(), "long.avi")
write_video(path, np.concatenate(first + second), fps=16)
print(video_info(path))

# %%
# The timeline
# ------------
# Windows of 2 s every 0.5 s; each window takes the 8 frames the model reads, on a grid
# of 0.25 s shared by the overlapping windows.
from skvideo_clf.inference import plot_timeline, predict_timeline  # noqa: E402

timeline = predict_timeline(model, path, window=2, stride=0.5)
print(f"{len(timeline)} windows")
for segment in timeline.segments():
    print(f"{segment['start']:5.2f} s - {segment['end']:5.2f} s  {segment['label']:<8}"
          f"  mean probability {segment['probability']:.2f}, {segment['windows']} windows")

# %%
# ``smooth(k)`` averages the probabilities of ``k`` neighbouring windows, which removes
# labels that flicker for a window or two. The band under the curves is the top label.
import matplotlib.pyplot as plt  # noqa: E402

fig, axes = plt.subplots(2, 1, figsize=(8, 5), sharex=True, layout="constrained")
plot_timeline(timeline, axes[0])
plot_timeline(timeline.smooth(3), axes[1])
axes[1].set_title("smoothed over 3 windows", fontsize="medium")
for ax in axes:
    ax.axvline(10, color="k", linestyle=":", linewidth=1)
plt.show()
