"""ClipAveragingClassifier: which clips, the mean of their probabilities, composition."""

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling
from skvideo_clf.inference import ClipAveragingClassifier
from skvideo_clf.sampling import BootstrapSampler
from skvideo_clf.video import Clip


def _mean_rgb(frames):
    return frames.reshape(len(frames), -1, 3).mean(axis=1)


def _pipe(length=2):
    return make_pipeline(FunctionFrameTransformer(_mean_rgb, sequence_length=length),
                         TemporalPooling(), StandardScaler(), LogisticRegression())


def _ramp(n=20):
    """Frame i has pixel value i (so a clip's features say which frames it read)."""
    return np.arange(n, dtype=np.uint8)[:, None, None, None] * np.ones((1, 4, 4, 3), np.uint8)


class _Recorder:
    """A stand-in estimator that remembers the clips it predicts."""

    classes_ = np.array([0, 1])

    def fit(self, X, y, **kw):
        self.fitted_on = list(X)
        self.fit_params = kw
        return self

    def predict_proba(self, X):
        self.seen = list(X)
        p = np.array([[c.frame_indices[0] / 100] for c in X])
        return np.hstack([1 - p, p])

    def get_params(self, deep=True):
        return {}

    def set_params(self, **params):
        return self


def test_uniform_clips_tile_the_video_and_probabilities_are_averaged():
    clf = ClipAveragingClassifier(_Recorder(), n_clips=4).fit([_ramp()], [0])
    proba = clf.predict_proba([_ramp(), _ramp(10)])
    seen = clf.estimator_.seen
    assert [c.frame_indices for c in seen[:4]] == [tuple(range(s, s + 5))
                                                   for s in (0, 5, 10, 15)]
    # a 10-frame video: clips of 2 frames from 0, 2, 5, 7
    assert [c.frame_indices for c in seen[4:]] == [(0, 1), (2, 3), (5, 6), (7, 8)]
    np.testing.assert_allclose(proba[:, 1], [np.mean([0, 5, 10, 15]) / 100,
                                             np.mean([0, 2, 5, 7]) / 100])
    assert clf.predict([_ramp()]).tolist() == [0]


def test_random_clips_are_reproducible_with_a_seed_and_frames_per_clip():
    X = [_ramp(40)]
    a = ClipAveragingClassifier(_Recorder(), n_clips=3, sampling="random",
                                frames_per_clip=4, random_state=0).fit(X, [0])
    b = ClipAveragingClassifier(_Recorder(), n_clips=3, sampling="random",
                                frames_per_clip=4, random_state=0).fit(X, [0])
    a.predict_proba(X)
    b.predict_proba(X)
    clips = [c.frame_indices for c in a.estimator_.seen]
    assert clips == [c.frame_indices for c in b.estimator_.seen]
    for idx in clips:  # 4 evenly spaced frames of a span of 13 consecutive frames
        assert len(idx) == 4 and idx[-1] - idx[0] == 12 and 0 <= idx[0] <= 27


def test_a_clip_with_frames_is_cut_along_its_own_frames():
    clf = ClipAveragingClassifier(_Recorder(), n_clips=2).fit([_ramp()], [0])
    clf.predict_proba([Clip(_ramp(), (1, 3, 5, 7, 9, 11))])
    assert [c.frame_indices for c in clf.estimator_.seen] == [(1, 3, 5), (7, 9, 11)]


def test_fit_on_clips_repeats_labels_and_sample_weights():
    clf = ClipAveragingClassifier(_Recorder(), n_clips=3, fit_on="clips")
    clf.fit([_ramp(), _ramp(9)], [0, 1], sample_weight=np.array([1.0, 2.0]))
    assert len(clf.estimator_.fitted_on) == 6
    assert clf.estimator_.fit_params["sample_weight"].tolist() == [1, 1, 1, 2, 2, 2]


def test_averaging_equals_the_mean_of_the_pipelines_clip_probabilities(tiny_videos):
    videos, y, _ = tiny_videos
    clf = ClipAveragingClassifier(_pipe(), n_clips=2).fit(videos, y)
    first = [Clip(v, tuple(range(0, 4))) for v in videos[:3]]
    second = [Clip(v, tuple(range(4, 8))) for v in videos[:3]]
    expected = (clf.estimator_.predict_proba(first) + clf.estimator_.predict_proba(second)) / 2
    np.testing.assert_allclose(clf.predict_proba(videos[:3]), expected, rtol=1e-6)


def test_composes_with_pipeline_and_grid_search(tiny_videos):
    videos, y, _ = tiny_videos
    pipe = Pipeline([("resample", BootstrapSampler(random_state=0)),
                     ("clf", ClipAveragingClassifier(_pipe(), n_clips=2))])
    search = GridSearchCV(pipe, {"clf__n_clips": [1, 2],
                                 "clf__estimator__functionframetransformer__sequence_length":
                                     [2, 4]},
                          scoring="f1_macro", cv=StratifiedKFold(2))
    search.fit(list(videos), y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_score_ > 0.5  # 8 classes told apart by their mean colour
    assert search.predict(list(videos[:2])).shape == (2,)


def test_bad_parameters_are_refused_at_fit():
    with pytest.raises(ValueError, match="n_clips"):
        ClipAveragingClassifier(_pipe(), n_clips=0).fit([_ramp()], [0])
    with pytest.raises(ValueError, match="sampling"):
        ClipAveragingClassifier(_pipe(), sampling="dense").fit([_ramp()], [0])
