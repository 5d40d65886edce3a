"""sample_weight in the kernel and fusion classifiers and the samplers, and its routing."""

import numpy as np
import pytest
import sklearn
from imblearn.pipeline import Pipeline as ImbPipeline
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skvideo_clf.fusion import Chi2SVC, EarlyFusionSVC, LateFusionClassifier, MKLClassifier
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
