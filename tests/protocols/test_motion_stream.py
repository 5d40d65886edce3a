"""The motion stream as a network's embedding of flow stacks, fitted once per training set."""

import numpy as np
import pytest

from skvideo_clf.datasets import make_video_classification
from skvideo_clf.neural import LSTMClassifier, MotionCNNClassifier
from skvideo_clf.protocols import ConfigError, build_rows, load_config
from skvideo_clf.utils import object_array

CONFIG = """
[settings]
folds = 2
epochs = 2
sequence_length = 3
flow = {n_stack = 2, flow_size = 16, subtract_mean = true}
motion = {classifier = "motion_cnn", params = {channels = [4], fc_size = 8, max_epochs = 30}}

[[rows]]
name = "Motion SVM"
features = "spatial+motion"
classifier = "chi2svc"
params = {stream = "motion"}

[[rows]]
name = "Motion LSTM"
features = "motion"
classifier = "lstm"
params = {hidden_sizes = [4], max_epochs = 3}
"""


def _videos(n_per_class, seed=0):
    """Tiny videos of a square moving right or left (the library's synthetic pair)."""
    videos, y = make_video_classification([n_per_class] * 2, n_frames=8,
                                          random_state=seed)
    return object_array(videos), y


@pytest.fixture
def fit_counter(monkeypatch):
    """How many times a MotionCNNClassifier was fitted."""
    calls = []
    fit = MotionCNNClassifier.fit

    def counting(self, *args, **kwargs):
        calls.append(1)
        return fit(self, *args, **kwargs)

    monkeypatch.setattr(MotionCNNClassifier, "fit", counting)
    return calls


def _rows(tmp_path, memory):
    path = tmp_path / "motion.toml"
    path.write_text(CONFIG)
    return dict(build_rows(path, "quick", backbone="lowlevel:hsv", memory=memory))


def _network(est):
    """The fitted motion network of a row (of its FeatureUnion, or its own features)."""
    if "streams" in est.named_steps:
        est = dict(est.named_steps["streams"].transformer_list)["motion"]
    return est.named_steps["features"].estimator_.named_steps["network"]


def test_rows_of_a_fold_share_one_fitted_motion_cnn(tmp_path, fit_counter):
    X, y = _videos(8)
    X_test, y_test = _videos(6, seed=1)
    rows = _rows(tmp_path, memory=str(tmp_path / "cache"))
    svm, lstm = rows["Motion SVM"], rows["Motion LSTM"]
    # the motion block is the network's embedding: fc_size columns
    assert svm.named_steps["clf"].streams["motion"] == slice(0, 8)
    svm.fit(X, y)
    assert len(fit_counter) == 1
    lstm.fit(X, y)                      # the same videos and labels: loaded, not trained
    assert len(fit_counter) == 1
    a, b = _network(svm), _network(lstm)
    assert a is not b
    for p, q in zip(a.module_.parameters(), b.module_.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())
    assert isinstance(lstm.named_steps["clf"], LSTMClassifier)
    assert lstm.named_steps["clf"].n_features_in_ == 8  # fc per stack, not pooled
    assert svm.predict_proba(X_test).shape == lstm.predict_proba(X_test).shape == (12, 2)
    # the motion direction is learnt: the SVM on the CNN's pooled fc (1.0 today; chance 0.5)
    assert svm.score(X_test, y_test) >= 0.75
    # another training set (one video's content changed, same position): trained again
    X2 = X.copy()
    X2[0] = X[0][::-1].copy()
    lstm.fit(X2, y)
    assert len(fit_counter) == 2
    # another fold: trained again
    lstm.fit(X[1:], y[1:])
    assert len(fit_counter) == 3


def test_without_a_cache_each_row_trains_its_own(tmp_path, fit_counter):
    X, y = _videos(4)
    rows = _rows(tmp_path, memory=None)
    rows["Motion SVM"].fit(X, y)
    rows["Motion LSTM"].fit(X, y)
    assert len(fit_counter) == 2


@pytest.mark.parametrize("motion, message", [
    ('"cnn"', 'settings.motion: must be "histogram" or a table'),
    ('{classifier = "lstm"}', "settings.motion.classifier: must be one of ('motion_cnn',)"),
    ('{classifier = "motion_cnn", preset = "two-stream"}',
     "settings.motion.preset: unknown preset 'two-stream'"),
    ('{classifier = "motion_cnn", params = {fc_sise = 8}}',
     "settings.motion.params.fc_sise: unknown parameter of MotionCNNClassifier"),
    ('{classifier = "motion_cnn", layers = 3}', "settings.motion.layers: unknown key"),
])
def test_a_bad_motion_setting_is_a_config_error(tmp_path, motion, message):
    path = tmp_path / "bad.toml"
    path.write_text(f'[settings]\nmotion = {motion}\n[[rows]]\nname = "a"\n'
                    'classifier = "chi2svc"\n')
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load_config(path)


def test_quick_two_stream_svm_rows_fit_on_videos():
    rows = dict(build_rows("two-stream-table2", "quick", backbone="lowlevel:hsv"))
    X, y = _videos(6)
    X_test, y_test = _videos(4, seed=1)
    spatial, motion = rows["Spatial SVM"], rows["Motion SVM"]
    assert "streams" not in spatial.named_steps  # the spatial stream only
    motion.fit(X, y)
    spatial.fit(X, y)
    assert motion.predict_proba(X_test).shape == spatial.predict_proba(X_test).shape == (8, 2)
    # the two classes are a temporal pair: the flow histograms see the direction, the
    # mean-pooled colour features cannot (1.0 and 0.5 today)
    assert motion.score(X_test, y_test) >= 0.75
