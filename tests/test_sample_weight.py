"""sample_weight in the kernel, fusion and neural classifiers and the samplers, and its
routing."""

import numpy as np
import pytest
import sklearn
import torch
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skvideo_clf.fusion import Chi2SVC, EarlyFusionSVC, LateFusionClassifier, MKLClassifier
from skvideo_clf.neural import (
    FeatureMapCNNClassifier,
    FrameVotingClassifier,
    LSTMClassifier,
    ResBiLSTMClassifier,
)
from skvideo_clf.sampling import BootstrapSampler, SpatioTemporalOversampler

STREAMS = {"a": slice(0, 3), "b": slice(3, 6)}


@pytest.fixture
def data():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 12)
    X = rng.rand(36, 6) + np.eye(3)[y].repeat(2, axis=1) * 0.4
    w = rng.randint(0, 4, 36).astype(float)
    return X, y, w, rng.rand(10, 6)


KERNEL_SVMS = [
    Chi2SVC(tol=1e-10),
    Chi2SVC(negative="shift", class_weight="balanced", tol=1e-10),
    EarlyFusionSVC(streams=STREAMS, weights=[2, 1], tol=1e-10),
    MKLClassifier(streams=STREAMS, tol=1e-10),
]


@pytest.mark.parametrize("est", KERNEL_SVMS, ids=lambda e: type(e).__name__)
def test_zero_weights_equal_dropping(est, data):
    X, y, w, X_test = data
    keep = w > 0
    weighted = est.fit(X - 0.2 * (est.negative == "shift"), y, sample_weight=keep * 1.0)
    d_weighted = weighted.decision_function(X_test)
    gammas = weighted.gammas_
    dropped = est.fit(X[keep] - 0.2 * (est.negative == "shift"), y[keep])
    np.testing.assert_allclose(d_weighted, dropped.decision_function(X_test), atol=1e-8)
    # gamma="auto" ignores the dropped samples too
    assert gammas == pytest.approx(dropped.gammas_, rel=1e-12)


@pytest.mark.parametrize("est", KERNEL_SVMS, ids=lambda e: type(e).__name__)
def test_integer_weights_equal_repetition(est, data):
    X, y, w, X_test = data
    d_weighted = est.fit(X, y, sample_weight=w).decision_function(X_test)
    gammas = est.gammas_
    repeated = np.repeat(np.arange(len(y)), w.astype(int))
    d_repeated = est.fit(X[repeated], y[repeated]).decision_function(X_test)
    np.testing.assert_allclose(d_weighted, d_repeated, atol=1e-6)
    assert gammas == pytest.approx(est.gammas_, rel=1e-12)


def test_weights_change_the_fit(data):
    # Guards against weights being accepted and ignored.
    X, y, w, X_test = data
    plain = Chi2SVC().fit(X, y).decision_function(X_test)
    weighted = Chi2SVC().fit(X, y, sample_weight=w).decision_function(X_test)
    assert np.abs(plain - weighted).max() > 1e-2


def test_sample_weight_errors_name_the_estimator(data):
    X, y, w, _ = data
    with pytest.raises(ValueError, match="Chi2SVC.fit got 35 sample weights for 36 samples"):
        Chi2SVC().fit(X, y, sample_weight=w[1:])
    with pytest.raises(ValueError, match="at least one non-zero"):
        Chi2SVC().fit(X, y, sample_weight=np.zeros(36))
    with pytest.raises(ValueError, match="Negative values.*sample_weight"):
        Chi2SVC().fit(X, y, sample_weight=-w)


def test_late_fusion_weights_reach_members_and_cv(data):
    X, y, w, X_test = data
    members = [("a", Chi2SVC(probability=True, random_state=0), "a"),
               ("lr", LogisticRegression(), "b")]
    lf = LateFusionClassifier(members, streams=STREAMS).fit(X, y, sample_weight=w)
    alone = Chi2SVC(probability=True, random_state=0).fit(X[:, :3], y, sample_weight=w)
    np.testing.assert_allclose(lf.estimators_[0].decision_function(X_test[:, :3]),
                               alone.decision_function(X_test[:, :3]))
    lr = LogisticRegression().fit(X[:, 3:], y, sample_weight=w)
    np.testing.assert_allclose(lf.estimators_[1].coef_, lr.coef_)

    # weights="cv": zero-weight samples drop out of the log-loss that picks the weights
    # (the out-of-fold fits still see them in other folds' positions, so compare the
    # members' log-losses with a direct weighted computation instead).
    nb_members = [("nb", GaussianNB(), "a"), ("lr", LogisticRegression(), "b")]
    cv = LateFusionClassifier(nb_members, streams=STREAMS, weights="cv", cv=3)
    unweighted = cv.fit(X, y).cv_member_log_loss_
    weighted = cv.fit(X, y, sample_weight=w).cv_member_log_loss_
    assert unweighted != weighted


def test_late_fusion_member_without_sample_weight_is_named(data):
    X, y, w, _ = data
    members = [("lr", LogisticRegression(), None), ("knn", KNeighborsClassifier(), None)]
    with pytest.raises(ValueError, match="Member 'knn' .*does not take sample_weight"):
        LateFusionClassifier(members).fit(X, y, sample_weight=w)
    LateFusionClassifier(members).fit(X, y)  # fine without weights


def test_routing_reaches_the_step_and_errors_name_it(data):
    X, y, w, X_test = data
    keep = w > 0
    scale = FunctionTransformer(lambda Z: Z * 2)
    with sklearn.config_context(enable_metadata_routing=True):
        svm = Chi2SVC().set_fit_request(sample_weight=True).set_score_request(
            sample_weight=True)
        pipe = make_pipeline(scale, svm)
        d_routed = pipe.fit(X, y, sample_weight=keep * 1.0).decision_function(X_test)
        search = GridSearchCV(pipe, {"chi2svc__C": [0.1, 10.0]}, cv=2)
        search.fit(X, y, sample_weight=w)
        assert search.best_estimator_[-1].n_train_ == int(np.sum(w > 0))
        # Not requested: the error names the step's estimator and method.
        with pytest.raises(UnsetMetadataPassedError, match=r"Chi2SVC\.fit"):
            make_pipeline(scale, Chi2SVC()).fit(X, y, sample_weight=w)
        # Late fusion routes to the members that ask, and names the one that does not.
        members = [("svm", Chi2SVC(probability=True).set_fit_request(sample_weight=True),
                    "a"),
                   ("nb", GaussianNB().set_fit_request(sample_weight=False), "b")]
        lf = LateFusionClassifier(members, streams=STREAMS).fit(X, y, sample_weight=w)
        assert lf.estimators_[0].n_train_ == int(np.sum(w > 0))
        assert lf.estimators_[1].class_count_.sum() == len(y)  # unweighted
        members[1] = ("nb", GaussianNB(), "b")
        with pytest.raises(UnsetMetadataPassedError, match=r"GaussianNB\.fit"):
            LateFusionClassifier(members, streams=STREAMS).fit(X, y, sample_weight=w)
    d_direct = Chi2SVC().fit(X[keep] * 2, y[keep]).decision_function(X_test * 2)
    np.testing.assert_allclose(d_routed, d_direct, atol=1e-8)


@pytest.mark.parametrize("sampler", [
    SpatioTemporalOversampler(sequence_length=3, random_state=0),
    BootstrapSampler(random_state=0),
], ids=lambda s: type(s).__name__)
def test_samplers_carry_weights_to_their_clips(sampler):
    rng = np.random.RandomState(0)
    X = rng.rand(10, 4, 2).astype(np.float32)
    y = np.array([0] * 7 + [1] * 3)
    w = np.arange(1.0, 11.0)
    X_res, y_res = sampler.fit_resample(X, y, sample_weight=w)
    assert len(sampler.sample_weight_) == len(X_res) > len(X) or isinstance(
        sampler, BootstrapSampler)
    np.testing.assert_array_equal(sampler.sample_weight_, w[sampler.sample_indices_])
    # A synthetic clip's weight is its source video's (its label is the source's too).
    assert np.all(y[sampler.sample_indices_] == y_res)
    sampler.fit_resample(X, y)
    assert sampler.sample_weight_ is None
    with pytest.raises(ValueError, match="sample_weight"):
        sampler.fit_resample(X, y, sample_weight=w[:3])


def test_pipeline_user_resamples_then_fits_with_carried_weights():
    # What the docs tell an imbalanced-learn Pipeline user to do, and why.
    rng = np.random.RandomState(0)
    X = rng.rand(12, 4)
    y = np.array([0] * 9 + [1] * 3)
    w = rng.randint(1, 4, 12).astype(float)
    sampler = SpatioTemporalOversampler(random_state=0)
    with sklearn.config_context(enable_metadata_routing=True):
        # The sampler's weights are metadata to request like any other ...
        with pytest.raises(UnsetMetadataPassedError,
                           match=r"SpatioTemporalOversampler\.fit_resample"):
            ImbPipeline([("resample", SpatioTemporalOversampler()),
                         ("svm", Chi2SVC().set_fit_request(sample_weight=True))]
                        ).fit(X, y, sample_weight=w)
        # ... but a sampler step returns X and y only, so the classifier after it gets
        # the input's weights, and says what to do instead.
        pipe = ImbPipeline([
            ("resample", SpatioTemporalOversampler().set_fit_resample_request(
                sample_weight=True)),
            ("svm", Chi2SVC().set_fit_request(sample_weight=True))])
        with pytest.raises(ValueError, match=r"Chi2SVC.fit got 12 sample weights for 18 "
                           r"samples.*sampler\.sample_weight_"):
            pipe.fit(X, y, sample_weight=w)
    X_res, y_res = sampler.fit_resample(X, y, sample_weight=w)
    clf = Chi2SVC().fit(X_res, y_res, sample_weight=sampler.sample_weight_)
    assert clf.n_train_ == len(y_res) == 18


# ----------------------------------------------------------------------------- neural
# One full-batch SGD epoch: the parameters after it are the initial ones minus lr times
# the gradient, so equal parameters mean equal gradients; the history holds the loss.
_ONE_STEP = dict(max_epochs=1, batch_size=-1, optimizer=torch.optim.SGD, lr=0.5,
                 random_state=0)
# ResBiLSTMClassifier is left out: batch normalization computes its statistics over the
# whole batch, zero-weight videos included, so there weights only approximate dropping.
NEURAL = [
    (LSTMClassifier, dict(hidden_sizes=(8,))),
    (FrameVotingClassifier, dict(hidden_size=8, dropout=0.0)),
    (FeatureMapCNNClassifier, {}),  # 2-D rows read as 6x6 maps: the tabular dataset path
]


@pytest.fixture
def videos():
    rng = np.random.RandomState(0)
    X = rng.randn(24, 4, 9).astype(np.float32)
    y = np.array(list("aabbbbbbcccc") * 2)
    return X, y, rng.randint(0, 4, 24)


def _step(cls, params, X, y, **fit):
    if cls is FeatureMapCNNClassifier and not isinstance(X, list):
        X = X.reshape(len(X), -1)
    clf = cls(**params, **_ONE_STEP).fit(X, y, **fit)
    return clf.history[-1, "train_loss"], [p.detach().clone() for p in
                                           clf.module_.parameters()]


def _assert_same_step(a, b):
    assert a[0] == pytest.approx(b[0], rel=1e-5)
    for pa, pb in zip(a[1], b[1], strict=True):
        torch.testing.assert_close(pa, pb, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("class_weight", [None, "balanced", {"a": 3.0, "b": 0.5}])
@pytest.mark.parametrize("cls, params", NEURAL, ids=lambda p: getattr(p, "__name__", ""))
def test_neural_zero_weights_equal_dropping(cls, params, class_weight, videos):
    X, y, w = videos
    params = {**params, "class_weight": class_weight}
    keep = w > 0
    _assert_same_step(_step(cls, params, X, y, sample_weight=keep * 1.0),
                      _step(cls, params, X[keep], y[keep]))


@pytest.mark.parametrize("class_weight", [None, "balanced", {"a": 3.0, "b": 0.5}])
@pytest.mark.parametrize("cls, params", NEURAL, ids=lambda p: getattr(p, "__name__", ""))
def test_neural_integer_weights_equal_repetition(cls, params, class_weight, videos):
    X, y, w = videos
    params = {**params, "class_weight": class_weight}
    weighted = _step(cls, params, X, y, sample_weight=w)
    _assert_same_step(weighted, _step(cls, params, X.repeat(w, 0), y.repeat(w)))
    # guards against weights accepted and ignored: the gradient differs
    plain = _step(cls, params, X, y)
    assert max(float((a - b).abs().max()) for a, b in zip(weighted[1], plain[1])) > 1e-4


def test_neural_weights_multiply_class_weights(videos):
    # class_weight and sample_weight multiply: weights doubled on class "a" equal a class
    # weight of 2 on "a" (the weighted mean normalizes both the same way)
    X, y, _ = videos
    params = dict(hidden_sizes=(8,))
    _assert_same_step(
        _step(LSTMClassifier, {**params, "class_weight": {"a": 2.0}}, X, y),
        _step(LSTMClassifier, params, X, y, sample_weight=1.0 + (y == "a")))


def test_neural_frame_voting_weights_each_frame_by_its_video():
    # ragged videos: frame voting's loss sums frames, so a video of weight 2 counts as
    # its frames twice
    rng = np.random.RandomState(1)
    X = [rng.randn(n, 3).astype(np.float32) for n in (2, 5, 3, 4, 6, 1)]
    y = np.array([0, 1, 0, 1, 0, 1])
    w = np.array([2, 1, 0, 3, 1, 1])
    params = dict(hidden_size=8, dropout=0.0, class_weight="balanced")
    rep = np.repeat(np.arange(6), w)
    _assert_same_step(_step(FrameVotingClassifier, params, X, y, sample_weight=w),
                      _step(FrameVotingClassifier, params, [X[i] for i in rep], y[rep]))


def test_neural_minibatches_and_partial_fit_take_weights(videos):
    X, y, w = videos
    clf = LSTMClassifier(hidden_sizes=(8,), max_epochs=2, batch_size=5, random_state=0)
    clf.fit(X, y, sample_weight=w)
    clf.partial_fit(X, y, sample_weight=w)
    clf.refit_head(X, y, sample_weight=w, max_epochs=1)
    assert np.isfinite(clf.history[:, "train_loss"]).all() and len(clf.history) == 5
    # batch normalization: weights are accepted (they weigh the loss, not the statistics)
    ResBiLSTMClassifier(hidden_size=4, fc_size=4, max_epochs=1).fit(X, y, sample_weight=w)


def test_neural_sample_weight_errors(videos):
    X, y, w = videos
    clf = LSTMClassifier(hidden_sizes=(4,), max_epochs=1)
    with pytest.raises(ValueError, match="LSTMClassifier.fit got 23 sample weights for 24"):
        clf.fit(X, y, sample_weight=w[1:])
    with pytest.raises(ValueError, match="Negative values.*sample_weight"):
        clf.fit(X, y, sample_weight=-w)
    with pytest.raises(ValueError, match="criterion__reduction='sum' with sample_weight"):
        LSTMClassifier(hidden_sizes=(4,), max_epochs=1, criterion__reduction="sum").fit(
            X, y, sample_weight=w)


def test_neural_routing_pipeline_and_grid_search(videos):
    X, y, w = videos
    keep = w > 0
    params = dict(hidden_sizes=(8,), **_ONE_STEP)
    with sklearn.config_context(enable_metadata_routing=True):
        clf = LSTMClassifier(**params).set_fit_request(sample_weight=True).set_score_request(
            sample_weight=True)
        pipe = make_pipeline(FunctionTransformer(lambda Z: Z * 2), clf)
        pipe.fit(X, y, sample_weight=keep * 1.0)
        with pytest.raises(UnsetMetadataPassedError, match=r"LSTMClassifier\.fit"):
            make_pipeline(LSTMClassifier(**params)).fit(X, y, sample_weight=w)
        search = GridSearchCV(pipe, {"lstmclassifier__lr": [0.1, 0.5]}, cv=2)
        search.fit(X, y, sample_weight=w)
        assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    direct = LSTMClassifier(**params).fit(X[keep] * 2, y[keep])
    assert pipe[-1].history[-1, "train_loss"] == pytest.approx(
        direct.history[-1, "train_loss"], rel=1e-5)
    # without routing, the step__param form reaches the classifier too
    pipe = make_pipeline(FunctionTransformer(lambda Z: Z * 2), LSTMClassifier(**params))
    pipe.fit(X, y, lstmclassifier__sample_weight=keep * 1.0)
    assert pipe[-1].history[-1, "train_loss"] == pytest.approx(
        direct.history[-1, "train_loss"], rel=1e-5)
