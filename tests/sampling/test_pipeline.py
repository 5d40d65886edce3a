"""The samplers inside imblearn pipelines and grid searches, and wired into the library's
own neural classifiers."""

from collections import Counter
from unittest import mock

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedShuffleSplit

from skvideo_clf.datasets import make_video_classification
from skvideo_clf.sampling import BalancedDataLoader, BootstrapSampler, SpatioTemporalOversampler

SAMPLER_CLASSES = (SpatioTemporalOversampler, BootstrapSampler)


@pytest.fixture
def spy_fit_resample():
    """Count fit_resample calls of both sampler classes (across clones)."""
    calls = Counter()
    patches = []
    for cls in SAMPLER_CLASSES:
        original = cls.fit_resample

        def counted(self, X, y, _original=original, **params):
            calls[type(self).__name__] += 1
            return _original(self, X, y, **params)

        patches.append(mock.patch.object(cls, "fit_resample", counted))
    for p in patches:
        p.start()
    yield calls
    for p in patches:
        p.stop()


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore:InceptionFrameTransformer.weights=None:UserWarning")
def test_grid_search_over_samplers_end_to_end(spy_fit_resample):
    from skvideo_clf.features import InceptionFrameTransformer, TemporalPooling
    from skvideo_clf.features._weights import tf2015_path

    # Real TF-2015 weights when installed (they also run faster than random ones).
    weights = "tf2015" if tf2015_path() else None

    videos, y = make_video_classification([6, 3], n_frames=6, frame_size=(16, 16),
                                          random_state=0)
    pipe = Pipeline([
        ("resample", "passthrough"),
        ("features", InceptionFrameTransformer(weights=weights, input_size=75, sequence_length=2,
                                               random_state=0)),
        ("pool", TemporalPooling()),
        ("clf", LogisticRegression(max_iter=200)),
    ])
    grid = {"resample": ["passthrough",
                         SpatioTemporalOversampler(sequence_length=2, random_state=0),
                         BootstrapSampler(random_state=0)]}
    # One split keeps the featurizer fits (each builds an InceptionV3) to 3 + the refit.
    cv = StratifiedShuffleSplit(n_splits=1, test_size=3, random_state=0)
    search = GridSearchCV(pipe, grid, cv=cv, scoring="f1_macro", error_score="raise")
    search.fit(videos, y)
    assert len(search.cv_results_["params"]) == 3
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    fitted = dict(spy_fit_resample)
    # One fit per sampler, plus the refit when a sampler wins: scoring the test folds
    # (predict on the pipeline) never resampled.
    best = type(search.best_params_["resample"]).__name__
    expected = {cls.__name__: 1 + (cls.__name__ == best) for cls in SAMPLER_CLASSES}
    assert fitted == expected
    labels = search.predict(videos)
    search.score(videos, y)
    assert dict(spy_fit_resample) == expected
    assert len(labels) == len(videos) and set(labels) <= set(y)


def _record_callback():
    from skorch.callbacks import Callback

    class RecordBatches(Callback):
        def initialize(self):
            self.batches_ = []
            return self

        def on_batch_begin(self, net, batch=None, training=None, **kwargs):
            if training:
                self.batches_.append(batch[1].tolist())

    return RecordBatches()


def test_library_classifier_trains_on_balanced_batches():
    from skvideo_clf.neural import LSTMClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(36, 5, 3).astype(np.float32)
    y = np.array(["common"] * 30 + ["rare"] * 6)
    record = _record_callback()
    clf = LSTMClassifier(hidden_sizes=(8,), max_epochs=2, random_state=0, verbose=0,
                         callbacks=[("record", record)], iterator_train=BalancedDataLoader,
                         iterator_train__batch_size=None, iterator_train__random_state=0)
    pipe = Pipeline([("resample", SpatioTemporalOversampler(sequence_length=5,
                                                            random_state=0)),
                     ("clf", clf)])
    pipe.fit(X, y)
    # After the oversampler, 30 + 30 sequences; batches of 30 + 30 = the whole set, once
    # per epoch, both classes in every batch in equal numbers.
    assert len(record.batches_) == 2
    assert all(Counter(labels) == {0: 30, 1: 30} for labels in record.batches_)
    assert pipe.predict(X[:3]).shape == (3,)


def test_library_classifier_with_explicit_batch_size():
    from skvideo_clf.neural import LSTMClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(40, 4, 3).astype(np.float32)
    y = np.array([0] * 32 + [1] * 8)
    record = _record_callback()
    clf = LSTMClassifier(hidden_sizes=(8,), max_epochs=1, batch_size=8, random_state=0,
                         verbose=0, callbacks=[("record", record)],
                         iterator_train=BalancedDataLoader)
    clf.fit(X, y)
    assert len(record.batches_) == 32 // 4
    assert all(Counter(labels) == {0: 4, 1: 4} for labels in record.batches_)
