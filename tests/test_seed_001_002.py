"""Seeds 001 and 002 as their papers describe them (issue 12, items 1, 3 and 8).

Paper lines refer to ``shared/seeds/001_5708b8065ba1023e.txt`` and
``shared/seeds/002_cbef759d1f9019de.txt``.
"""

import numpy as np
import pytest
import torch

from skvideo_clf.features import TemporalPooling
from skvideo_clf.neural import FeatureMapCNNClassifier, FrameVotingClassifier, LSTMClassifier
from skvideo_clf.utils import object_array, unpadded_lengths


def _three_frame_videos():
    """24 videos of 3 real frames, 3 classes that any frame tells apart."""
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 8)
    real = rng.randn(24, 3, 4).astype("float32") * 0.3
    real[np.arange(24), :, y] += 3.0
    padded = np.zeros((24, 10, 4), np.float32)
    padded[:, :3] = real  # what InceptionFrameTransformer(padding="zeros") gives
    return real, padded, y


# ------------------------------------------------------------------ padding (item 1)
def test_unpadded_lengths_counts_trailing_zero_steps_only():
    X = np.zeros((3, 5, 2), np.float32)
    X[0, :2] = 1
    X[1, [0, 3]] = 1  # a zero step between frames is a frame
    assert unpadded_lengths(X).tolist() == [2, 4, 1]
    assert unpadded_lengths(X, [1, 2, 5]).tolist() == [1, 1, 1]
    assert unpadded_lengths([X[0, :3], X[1]]).tolist() == [2, 4]
    # TemporalPooling follows the same rule
    assert TemporalPooling().fit_transform(X[1:2]).tolist() == [[0.5, 0.5]]


def test_frame_voting_ignores_zero_padding():
    # Before the fix, the 7 padding steps of every video trained and voted: one class for
    # every video, accuracy 1/3, where the ragged form of the same frames scores 1.
    real, padded, y = _three_frame_videos()
    ragged = object_array(list(real))
    scores = []
    for X in (padded, ragged):
        clf = FrameVotingClassifier(hidden_size=16, max_epochs=10, batch_size=8,
                                    random_state=0).fit(X, y)
        scores += [clf.score(padded, y), clf.score(ragged, y)]
        np.testing.assert_allclose(clf.predict_proba(padded), clf.predict_proba(ragged),
                                   rtol=1e-5, atol=1e-6)
    assert scores == [1.0, 1.0, 1.0, 1.0]


def test_frame_voting_trains_on_real_frames_only():
    real, padded, y = _three_frame_videos()
    a = FrameVotingClassifier(hidden_size=8, max_epochs=3, random_state=0).fit(padded, y)
    b = FrameVotingClassifier(hidden_size=8, max_epochs=3, random_state=0).fit(real, y)
    for pa, pb in zip(a.module_.parameters(), b.module_.parameters()):
        torch.testing.assert_close(pa, pb)
    # "balanced" counts the real frames: 3 per video, 8 videos per class
    c = FrameVotingClassifier(class_weight="balanced", max_epochs=1).fit(padded[:20], y[:20])
    np.testing.assert_allclose(c.class_weight_, 60 / (3 * np.array([24, 24, 12])))
