"""The same featurization and grid search, serially and on a dask.distributed cluster.

joblib's dask backend (``with joblib.parallel_config(backend="dask")``) sends every
``joblib.Parallel`` task to the cluster: the featurizer's per-video chunks (``n_jobs``) and
GridSearchCV's candidates. Results must not depend on where they ran.
"""

import warnings

import joblib
import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from skvideo_clf.datasets import make_video_classification
from skvideo_clf.features import InceptionFrameTransformer, TemporalPooling

distributed = pytest.importorskip("distributed")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


def _featurizer(**kw):
    # random weights (no download), the smallest input InceptionV3 takes, 2 frames per video
    return InceptionFrameTransformer(weights=None, input_size=75, sequence_length=2,
                                     batch_size=4, random_state=0, **kw)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                       dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


@pytest.fixture(scope="module")
def data():
    videos, y = make_video_classification(3, n_classes=2, n_frames=4, frame_size=(32, 32),
                                          random_state=0)
    return videos, y


@pytest.fixture(autouse=True)
def _quiet_random_weights():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*random weights", category=UserWarning)
        yield


def test_featurization_on_dask_equals_serial(client, data):
    videos, _ = data
    tf = _featurizer().fit(videos[:1])  # one network for both runs (its init is slow)
    serial = tf.transform(videos)
    tf.set_params(n_jobs=2)
    before = tf.n_frames_computed_
    with distributed.get_task_stream(client) as stream, \
            joblib.parallel_config(backend="dask"):
        on_dask = tf.transform(videos)
    # the work really went to the cluster: one task per chunk of videos, on the workers
    assert len(stream.data) >= 2
    assert on_dask.shape == serial.shape == (len(videos), 2, 2048)
    assert tf.n_frames_computed_ - before == 2 * len(videos)
    # Other processes, batches and torch thread counts: equal up to float32 summation
    # order, which the random network's huge activations (~1e6) amplify; so the error is
    # bounded relative to the feature scale.
    scale = np.abs(serial).max()
    assert np.abs(on_dask - serial).max() <= 1e-4 * scale  # 2e-6 seen


def test_grid_search_on_dask_equals_serial(client, data, tmp_path):
    videos, y = data
    grid = {"clf__C": [1e-6, 1e2]}  # a near-constant model and a fitting one
    cv = StratifiedKFold(2, shuffle=True, random_state=0)

    def search(n_jobs, cache):
        # Pipeline(memory=...) fits the featurizer once per fold, not once per candidate
        # (sklearn's way; the network's init is the slow part); a cache per run so that the
        # dask run computes its own features.
        pipe = Pipeline([("features", _featurizer()), ("pool", TemporalPooling("mean")),
                         ("clf", LogisticRegression(max_iter=200))],
                        memory=str(tmp_path / cache))
        return GridSearchCV(pipe, grid, cv=cv, scoring="accuracy", refit=False,
                            n_jobs=n_jobs).fit(videos, y)

    serial = search(None, "serial")
    with distributed.get_task_stream(client) as stream, \
            joblib.parallel_config(backend="dask"):
        on_dask = search(2, "dask")
    assert len(stream.data) >= 4  # 2 candidates x 2 folds ran as cluster tasks
    assert on_dask.best_params_ == serial.best_params_
    for key in ("split0_test_score", "split1_test_score", "mean_test_score",
                "rank_test_score"):
        np.testing.assert_allclose(on_dask.cv_results_[key], serial.cv_results_[key],
                                   err_msg=key)
