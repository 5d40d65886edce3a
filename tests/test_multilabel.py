"""Multi-label videos: y as a binary indicator matrix."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from skvideo_clf.fusion import Chi2SVC, EarlyFusionSVC, LateFusionClassifier, MKLClassifier
from skvideo_clf.neural import FrameVotingClassifier, LSTMClassifier

STREAMS = {"a": slice(0, 3), "b": slice(3, 6)}


@pytest.fixture
def videos():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 4, 3).astype(np.float32)
    # label j is on when feature j's mean is high; label 2 is rare
    Y = (X.mean(axis=1) > [0.0, 0.2, 0.6]).astype(int)
    return X, Y


def test_neural_multilabel_sigmoid_outputs(videos):
    X, Y = videos
    clf = LSTMClassifier(hidden_sizes=(16,), max_epochs=40, lr=0.05, random_state=0)
    clf.fit(X, Y)
    assert clf.multilabel_ and clf.classes_.tolist() == [0, 1, 2]
    assert isinstance(clf.criterion_, torch.nn.BCEWithLogitsLoss)
    proba = clf.predict_proba(X)
    assert proba.shape == (80, 3) and not np.allclose(proba.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.predict(X), (proba >= 0.5).astype(int))
    assert (clf.predict(X) == Y).mean(axis=0).min() > 0.8


def test_fusion_net_multilabel_sigmoid_outputs():
    from skvideo_clf.neural import FusionNetClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 8)).astype(np.float32)
    Y = (X[:, :3] > [0.0, 0.0, 0.5]).astype(int)  # label j from feature j; label 2 rarer
    clf = FusionNetClassifier(max_epochs=60, lr=0.05, verbose=0, random_state=0).fit(X, Y)
    assert clf.multilabel_ and isinstance(clf.criterion_, torch.nn.BCEWithLogitsLoss)
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 3) and not np.allclose(proba.sum(axis=1), 1)
    assert (clf.predict(X) == Y).mean(axis=0).min() > 0.9


def test_neural_multilabel_balanced_is_pos_weight(videos):
    X, Y = videos
    clf = LSTMClassifier(hidden_sizes=(4,), max_epochs=1, class_weight="balanced",
                         random_state=0).fit(X, Y)
    n_pos = Y.sum(axis=0)
    np.testing.assert_allclose(clf.class_weight_, (80 - n_pos) / n_pos, rtol=1e-6)
    np.testing.assert_allclose(clf.criterion_.pos_weight.numpy(), clf.class_weight_)
    # sample weights count in the positives and negatives, as repetition would
    w = np.arange(80) % 3
    weighted = LSTMClassifier(hidden_sizes=(4,), max_epochs=1, batch_size=-1,
                              class_weight="balanced", random_state=0).fit(
        X, Y, sample_weight=w)
    rep = np.repeat(np.arange(80), w)
    repeated = LSTMClassifier(hidden_sizes=(4,), max_epochs=1, batch_size=-1,
                              class_weight="balanced", random_state=0).fit(X[rep], Y[rep])
    np.testing.assert_allclose(weighted.class_weight_, repeated.class_weight_, rtol=1e-6)
    assert weighted.history[-1, "train_loss"] == pytest.approx(
        repeated.history[-1, "train_loss"], rel=1e-5)


def test_multilabel_binarizer_lists_of_labels(videos):
    X, _ = videos
    labels = [["run"], ["jump", "run"], [], ["swim"]] * 20
    Y = MultiLabelBinarizer().fit_transform(labels)
    clf = LSTMClassifier(hidden_sizes=(4,), max_epochs=1, random_state=0).fit(X, Y)
    assert clf.predict(X).shape == (80, 3)


def test_multilabel_errors(videos):
    X, Y = videos
    with pytest.raises(ValueError, match="binary indicator matrix.*MultiLabelBinarizer"):
        LSTMClassifier(max_epochs=1).fit(X, Y * 2 + 1)
    clf = LSTMClassifier(hidden_sizes=(4,), max_epochs=1).fit(X, Y)
    with pytest.raises(ValueError, match="y has 2 labels, LSTMClassifier was fitted on 3"):
        clf.partial_fit(X, Y[:, :2])
    # a label on no video (a training fold without it) weighs 1: nothing to refuse
    none = LSTMClassifier(max_epochs=1, class_weight="balanced").fit(X, Y * [1, 1, 0])
    assert none.class_weight_[2] == 1.0


@pytest.mark.parametrize("est", [
    FrameVotingClassifier(max_epochs=1),
    Chi2SVC(), EarlyFusionSVC(streams=STREAMS), MKLClassifier(streams=STREAMS),
    LateFusionClassifier([("lr", LogisticRegression(), None)]),
], ids=lambda e: type(e).__name__)
def test_unsupported_estimators_name_themselves(est, videos):
    X, Y = videos
    X2 = np.abs(X.reshape(80, -1)[:, :6])
    with pytest.raises(ValueError, match=f"^{type(est).__name__} (does not support|takes one)"):
        est.fit(X if isinstance(est, FrameVotingClassifier) else X2, Y)


def test_kernel_baselines_one_vs_rest(videos):
    # what the refusal tells users to do, and that it gives one SVM per label
    X, Y = videos
    X2 = np.abs(X.reshape(80, -1)[:, :6])
    ovr = OneVsRestClassifier(Chi2SVC()).fit(X2, Y)
    assert len(ovr.estimators_) == 3 and ovr.predict(X2).shape == (80, 3)
    np.testing.assert_array_equal(ovr.estimators_[1].predict(X2),
                                  Chi2SVC().fit(X2, Y[:, 1]).predict(X2))


def test_ml_ros_brings_irlbl_towards_one():
    from skvideo_clf.sampling import MLROSSampler, imbalance_ratio_per_label

    rng = np.random.RandomState(0)
    # label 0 on 90% of videos, label 1 on 30%, label 2 on 5%
    Y = (rng.rand(200, 3) < [0.9, 0.3, 0.05]).astype(int)
    Y[Y.sum(axis=1) == 0, 0] = 1
    X = rng.randn(200, 4, 2).astype(np.float32)
    sampler = MLROSSampler(percentage=25, random_state=0)
    X_res, Y_res = sampler.fit_resample(X, Y)
    before, after = imbalance_ratio_per_label(Y), imbalance_ratio_per_label(Y_res)
    np.testing.assert_allclose(sampler.irlbl_, before)
    assert sampler.minority_labels_.tolist() == [2]
    assert after.mean() < before.mean() - 1 and after[2] < before[2]
    # label 2 reached MeanIR before the 50 allowed clones ran out, and stopped there
    n_clones = sampler.sampling_strategy_[2]
    assert len(Y_res) == 200 + n_clones and n_clones < 50
    assert after[2] <= sampler.mean_ir_ < imbalance_ratio_per_label(Y_res[:-1])[2]
    # clones are exact copies of a video carrying the rare label
    idx = sampler.sample_indices_[200:]
    assert Y[idx, 2].all()
    np.testing.assert_array_equal(X_res[200:], X[idx])
    np.testing.assert_array_equal(Y_res[200:], Y[idx])


def test_ml_ros_stops_a_label_at_mean_ir_and_refuses_bad_y():
    from skvideo_clf.sampling import MLROSSampler

    Y = np.array([[1, 0]] * 16 + [[0, 1]] * 4)  # IRLbl [1, 4], MeanIR 2.5
    sampler = MLROSSampler(percentage=100, random_state=0).fit_resample(
        np.zeros((20, 1)), Y)[1]
    # label 1 leaves once 16 / count <= 2.5, i.e. at 7 videos: 3 clones, not 20
    assert len(sampler) == 23
    with pytest.raises(ValueError, match="MLROSSampler takes y as a binary indicator"):
        MLROSSampler().fit_resample(np.zeros((3, 1)), np.array([[0, 2], [1, 0], [1, 1]]))


def _tiny_frame_features(videos):
    """Per-frame 4x4 grey thumbnails: a feature sequence that keeps where things are."""
    import cv2

    return np.stack([
        np.stack([cv2.resize(f, (4, 4), interpolation=cv2.INTER_AREA).ravel()
                  for f in v.mean(axis=-1)]) / 255 for v in videos
    ]).astype(np.float32)


def test_make_video_classification_multilabel():
    from skvideo_clf.datasets import make_video_classification

    kwargs = dict(n_classes=3, n_frames=8, frame_size=(16, 16), multilabel=True)
    videos, Y, groups = make_video_classification(16, return_groups=True, random_state=0,
                                                  **kwargs)
    assert len(videos) == 48 and videos[0].shape == (8, 16, 16, 3)
    assert Y.shape == (48, 3) and set(np.unique(Y)) == {0, 1}
    per_video = Y.sum(axis=1)
    assert per_video.min() == 1 and per_video.max() == 3 and (per_video > 1).mean() > 0.4
    # each video carries its own class, the one its group is named after
    own = np.repeat(np.arange(3), 16)
    assert Y[np.arange(48), own].all()
    assert groups[0].startswith("move_right_g") and groups[-1].startswith("grow_g")
    again, Y2 = make_video_classification(16, random_state=0, **kwargs)
    np.testing.assert_array_equal(Y, Y2)
    np.testing.assert_array_equal(videos[5], again[5])
    assert not np.array_equal(Y, make_video_classification(16, random_state=1, **kwargs)[1])
    X = _tiny_frame_features(videos)
    clf = LSTMClassifier(hidden_sizes=(16,), max_epochs=60, batch_size=-1, lr=0.05,
                         random_state=0).fit(X, Y)
    assert clf.multilabel_
    assert (clf.predict(X) == Y).mean(axis=0).min() >= 0.9


def _labelled_sequences(n, rates, random_state, signal=2.0):
    """Sequences (n, 6, 3) whose feature j is shifted up by ``signal`` where label j is on."""
    rng = np.random.RandomState(random_state)
    Y = np.zeros((n, len(rates)), dtype=int)
    for j, rate in enumerate(rates):
        Y[rng.permutation(n)[:round(rate * n)], j] = 1
    X = rng.randn(n, 6, len(rates)).astype(np.float32) + signal * Y[:, None, :]
    return X, Y


def test_ml_ros_raises_rare_label_recall_in_pipeline():
    from imblearn.pipeline import make_pipeline
    from sklearn.metrics import recall_score

    from skvideo_clf.sampling import MLROSSampler

    X, Y = _labelled_sequences(80, [0.5, 0.4, 0.05], 0)
    assert Y[:, 2].sum() == 4
    X_test, Y_test = _labelled_sequences(60, [0.5, 0.5, 0.5], 1)
    gains = []
    for seed in range(3):  # three nets, so one lucky initialization cannot decide it
        recall = {}
        for with_sampler in (False, True):
            net = LSTMClassifier(hidden_sizes=(8,), max_epochs=20, batch_size=-1, lr=0.05,
                                 random_state=seed)
            sampler = MLROSSampler(percentage=50, random_state=0)
            pipe = make_pipeline(sampler, net) if with_sampler else make_pipeline(net)
            pipe.fit(X, Y)
            recall[with_sampler] = recall_score(Y_test[:, 2], pipe.predict(X_test)[:, 2])
        # only the rare label is a minority label: 40 / 4 > MeanIR = (1 + 1.25 + 10) / 3,
        # cloned until 40 / count <= MeanIR, i.e. 12 videos
        assert sampler.sampling_strategy_ == {2: 8}
        gains.append(recall[True] - recall[False])
    assert min(gains) > 0 and np.mean(gains) >= 0.2


def test_late_fusion_multilabel_averages_per_label_probabilities():
    from sklearn.metrics import log_loss

    from skvideo_clf.fusion._late_fusion import _multilabel_log_loss

    X, Y = _labelled_sequences(60, [0.5, 0.4, 0.3], 0)
    X = np.concatenate([X, np.random.RandomState(1).randn(60, 6, 3)], axis=2)  # noise
    streams = {"good": slice(0, 3), "noise": slice(3, 6)}
    members = [
        (name, LSTMClassifier(hidden_sizes=(8,), max_epochs=15, batch_size=-1, lr=0.05,
                              random_state=0), name)
        for name in streams
    ]
    lf = LateFusionClassifier(members, streams=streams).fit(X, Y)
    assert lf.multilabel_ and lf.classes_.tolist() == [0, 1, 2]
    good, noise = lf.estimators_
    expected = 0.5 * good.predict_proba(X[..., :3]) + 0.5 * noise.predict_proba(X[..., 3:])
    np.testing.assert_allclose(lf.predict_proba(X), expected, rtol=1e-6)
    np.testing.assert_array_equal(lf.predict(X), (expected >= 0.5).astype(int))

    hybrid = LateFusionClassifier(members, streams=streams, weights="cv", cv=3,
                                  n_weight_steps=4).fit(X, Y)
    # the noise stream explains nothing, so the per-label log-loss weighs it down
    assert hybrid.weights_[0] > 0.5
    assert hybrid.cv_log_loss_ <= min(hybrid.cv_member_log_loss_.values())
    assert hybrid.cv_member_log_loss_["good"] < hybrid.cv_member_log_loss_["noise"]
    # the loss is the sum over labels of each label's binary log-loss
    P = np.random.RandomState(2).rand(60, 3)
    assert _multilabel_log_loss(Y, P) == pytest.approx(
        sum(log_loss(Y[:, j], P[:, j]) for j in range(3)))


def test_late_fusion_multilabel_one_vs_rest_svm_and_refusing_member():
    X, Y = _labelled_sequences(40, [0.5, 0.5], 0)
    X2 = np.abs(X.mean(axis=1))
    ovr = OneVsRestClassifier(Chi2SVC(probability=True, random_state=0))
    lf = LateFusionClassifier([("svm", ovr, None)]).fit(X2, Y)
    np.testing.assert_allclose(lf.predict_proba(X2), lf.estimators_[0].predict_proba(X2))
    with pytest.raises(ValueError, match="^LateFusionClassifier does not support a multi-label"
                                         " y with member 'svm' \\(Chi2SVC\\)"):
        LateFusionClassifier([("svm", Chi2SVC(probability=True), None)]).fit(X2, Y)
    with pytest.raises(ValueError, match="binary indicator matrix"):
        LateFusionClassifier([("svm", ovr, None)]).fit(X2, Y + Y[:, ::-1])


@pytest.mark.parametrize("sampler_name", ["SpatioTemporalOversampler", "BootstrapSampler"])
def test_single_label_samplers_refuse_multilabel_naming_themselves(sampler_name, videos):
    from skvideo_clf import sampling

    X, Y = videos
    sampler = getattr(sampling, sampler_name)(random_state=0)
    with pytest.raises(ValueError, match=f"^{sampler_name} does not support a multi-label y"
                                         ".*MLROSSampler"):
        sampler.fit_resample(X, Y)
