"""Known answers for the kernel and fusion baselines of skvideo_clf.fusion."""

from functools import partial

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.pairwise import chi2_kernel
from sklearn.model_selection import GridSearchCV, GroupKFold, train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import SVC

from skvideo_clf.fusion import (
    Chi2SVC,
    EarlyFusionSVC,
    LateFusionClassifier,
    MKLClassifier,
    chi2_gamma,
)
from skvideo_clf.fusion._mkl import _ovo_squared_norms

STREAMS = {"good": slice(0, 5), "noise": slice(5, 10)}


def _two_streams(n_per_class=30, n_classes=3, shift=0.7, seed=0):
    """Non-negative features: stream "good" carries the class, stream "noise" does not."""
    rng = np.random.RandomState(seed)
    y = np.repeat(np.array(["alpha", "beta", "gamma", "delta"][:n_classes]), n_per_class)
    codes = np.searchsorted(np.unique(y), y)
    good = rng.rand(y.size, 5)
    good[:, : n_classes] += shift * np.eye(n_classes)[codes]
    noise = rng.rand(y.size, 5)
    return np.hstack([good, noise]), y


@pytest.fixture(scope="module")
def split():
    X, y = _two_streams(n_per_class=40)
    return train_test_split(X, y, test_size=0.5, stratify=y, random_state=0)


def test_chi2_gamma_is_inverse_mean_pairwise_distance():
    rng = np.random.RandomState(1)
    X = rng.rand(7, 4)
    d = [
        np.sum((a - b) ** 2 / (a + b))
        for i, a in enumerate(X)
        for j, b in enumerate(X)
        if i != j
    ]
    assert chi2_gamma(X) == pytest.approx(1 / np.mean(d), rel=1e-12)
    assert chi2_gamma(np.ones((3, 2))) == 1.0  # identical samples: documented fallback


def test_chi2svc_reproduces_svc_with_chi2_kernel(split):
    X_tr, X_te, y_tr, y_te = split
    clf = Chi2SVC(streams=STREAMS, stream="good", C=3.0).fit(X_tr, y_tr)
    gamma = clf.gammas_["good"]
    assert gamma == pytest.approx(chi2_gamma(X_tr[:, :5]))
    ref = SVC(kernel=partial(chi2_kernel, gamma=gamma), C=3.0).fit(X_tr[:, :5], y_tr)
    np.testing.assert_array_equal(clf.predict(X_te), ref.predict(X_te[:, :5]))
    np.testing.assert_allclose(
        clf.decision_function(X_te), ref.decision_function(X_te[:, :5]), atol=1e-8
    )
    np.testing.assert_array_equal(clf.svc_.support_, ref.support_)
    assert clf.score(X_te, y_te) > 0.8


def test_chi2svc_needs_a_stream_name_among_several():
    X, y = _two_streams()
    with pytest.raises(ValueError, match="name it with stream="):
        Chi2SVC(streams=STREAMS).fit(X, y)
    with pytest.raises(ValueError, match="'flow' is not one of the streams"):
        Chi2SVC(streams=STREAMS, stream="flow").fit(X, y)


def test_negative_features_error_names_stream_and_remedies():
    X, y = _two_streams()
    X_neg = X.copy()
    X_neg[3, 7] = -0.5
    with pytest.raises(ValueError, match="stream 'noise'") as info:
        EarlyFusionSVC(streams=STREAMS).fit(X_neg, y)
    assert "MinMaxScaler" in str(info.value) and "negative='shift'" in str(info.value)
    clf = Chi2SVC(streams=STREAMS, stream="good").fit(X, y)
    with pytest.raises(ValueError, match=r"Chi2SVC\.predict \(argument X, stream 'good'"):
        clf.predict(X - 1)


def test_negative_shift_equals_fitting_the_shifted_data():
    X, y = _two_streams()
    X_neg = X - 2.0
    shifted = Chi2SVC(negative="shift").fit(X_neg, y)
    np.testing.assert_allclose(shifted.shift_, -X_neg.min(axis=0))
    plain = Chi2SVC().fit(X_neg - X_neg.min(axis=0), y)
    np.testing.assert_array_equal(shifted.predict(X_neg), plain.predict(X_neg - X_neg.min(0)))
    # Below the training minimum: clipped to 0 after the shift, not an error.
    assert shifted.predict(X_neg[:2] - 10).shape == (2,)


def test_early_fusion_is_the_average_kernel_and_beats_noise_stream(split):
    X_tr, X_te, y_tr, y_te = split
    ef = EarlyFusionSVC(streams=STREAMS).fit(X_tr, y_tr)
    assert ef.stream_weights_ == {"good": 0.5, "noise": 0.5}
    K_tr = sum(
        0.5 * chi2_kernel(X_tr[:, s], gamma=ef.gammas_[name]) for name, s in STREAMS.items()
    )
    K_te = sum(
        0.5 * chi2_kernel(X_te[:, s], X_tr[:, s], gamma=ef.gammas_[name])
        for name, s in STREAMS.items()
    )
    ref = SVC(kernel="precomputed").fit(K_tr, y_tr)
    np.testing.assert_allclose(ef.decision_function(X_te), ref.decision_function(K_te),
                               atol=1e-8)
    noise_only = Chi2SVC(streams=STREAMS, stream="noise").fit(X_tr, y_tr)
    ef_score, noise_score = ef.score(X_te, y_te), noise_only.score(X_te, y_te)
    assert noise_score < 0.55  # three classes: chance is 1/3
    assert ef_score > 0.75
    assert ef_score > noise_score + 0.25


def test_early_fusion_weight_zero_drops_a_stream(split):
    X_tr, X_te, y_tr, _ = split
    ef = EarlyFusionSVC(streams=STREAMS, weights={"good": 2.0}).fit(X_tr, y_tr)
    assert ef.stream_weights_ == {"good": 1.0, "noise": 0.0}
    good = Chi2SVC(streams=STREAMS, stream="good").fit(X_tr, y_tr)
    np.testing.assert_array_equal(ef.predict(X_te), good.predict(X_te))
    with pytest.raises(ValueError, match="unknown streams"):
        EarlyFusionSVC(streams=STREAMS, weights={"flow": 1.0}).fit(X_tr, y_tr)
    with pytest.raises(ValueError, match="2 streams"):
        EarlyFusionSVC(streams=STREAMS, weights=[1.0]).fit(X_tr, y_tr)


def test_ovo_squared_norms_match_linear_svc_weight_vectors():
    X, y = _two_streams(n_per_class=15, n_classes=4)
    svc = SVC(kernel="linear", C=0.5).fit(X, y)  # 4 classes -> 6 one-vs-one problems
    norms = _ovo_squared_norms(svc, X @ X.T)
    np.testing.assert_allclose(norms, np.sum(svc.coef_**2, axis=1), rtol=1e-8)


def test_mkl_weights_informative_kernel_and_reach_fixed_point(split):
    X_tr, X_te, y_tr, y_te = split
    mkl = MKLClassifier(streams=STREAMS).fit(X_tr, y_tr)
    beta = mkl.kernel_weights_
    assert mkl.converged_ and 1 <= mkl.n_iter_ < mkl.mkl_max_iter
    assert np.linalg.norm(beta, 2) == pytest.approx(1.0)
    assert mkl.stream_weights_["good"] > 2 * mkl.stream_weights_["noise"]
    np.testing.assert_allclose(mkl.weight_history_[0], [2**-0.5, 2**-0.5])
    np.testing.assert_allclose(mkl.weight_history_[-1], beta)
    # Fixed point of the closed-form update beta_m ∝ (beta_m^2 alpha'YK_mYalpha)^(1/(p+1)).
    kernels = [chi2_kernel(X_tr[:, s], gamma=mkl.gammas_[n]) for n, s in STREAMS.items()]
    w_sq = np.array([b**2 * _ovo_squared_norms(mkl.svc_, K).sum() for b, K in zip(beta, kernels)])
    update = w_sq ** (1 / 3)
    np.testing.assert_allclose(update / np.linalg.norm(update), beta, atol=1e-3)
    assert mkl.score(X_te, y_te) > 0.75


def test_mkl_smaller_p_gives_sparser_weights(split):
    X_tr, _, y_tr, _ = split
    ratios = {}
    for p in (1.25, 2.0, 8.0):
        w = MKLClassifier(streams=STREAMS, p=p).fit(X_tr, y_tr).kernel_weights_
        ratios[p] = w[0] / w[1]
    assert ratios[1.25] > ratios[2.0] > ratios[8.0] > 1.0


def test_late_fusion_equal_weights_average_member_probabilities(split):
    X_tr, X_te, y_tr, _ = split
    members = [
        ("good", LogisticRegression(), "good"),
        ("noise", LogisticRegression(C=0.1), "noise"),
    ]
    lf = LateFusionClassifier(members, streams=STREAMS).fit(X_tr, y_tr)
    np.testing.assert_allclose(lf.weights_, [0.5, 0.5])
    p_good = LogisticRegression().fit(X_tr[:, :5], y_tr).predict_proba(X_te[:, :5])
    p_noise = LogisticRegression(C=0.1).fit(X_tr[:, 5:], y_tr).predict_proba(X_te[:, 5:])
    np.testing.assert_allclose(lf.predict_proba(X_te), (p_good + p_noise) / 2, rtol=1e-10)
    assert lf.predict(X_te).dtype.kind == "U" and set(lf.classes_) == set(y_tr)
    # Nested parameters reach a member and keep its stream.
    lf.set_params(good__C=10.0)
    assert lf.members[0][1].C == 10.0 and lf.members[0][2] == "good"
    assert clone(lf).get_params()["good__C"] == 10.0


def test_late_fusion_cv_weights_favour_informative_member(split):
    X_tr, X_te, y_tr, y_te = split
    members = [
        ("good", Chi2SVC(probability=True, random_state=0), "good"),
        ("noise", Chi2SVC(probability=True, random_state=0), "noise"),
    ]
    lf = LateFusionClassifier(members, streams=STREAMS, weights="cv", cv=3).fit(X_tr, y_tr)
    assert lf.weights_.sum() == pytest.approx(1.0)
    assert lf.weights_[0] >= 0.8
    assert lf.cv_member_log_loss_["good"] < lf.cv_member_log_loss_["noise"]
    assert lf.cv_log_loss_ <= lf.cv_member_log_loss_["good"] + 1e-12
    assert lf.score(X_te, y_te) > 0.75
    # Refitting with fixed weights drops the cross-validation diagnostics.
    assert not hasattr(lf.set_params(weights=None).fit(X_tr, y_tr), "cv_log_loss_")


def test_late_fusion_cv_weights_pass_groups_to_the_splitter(split):
    X_tr, _, y_tr, _ = split
    groups = np.arange(len(y_tr)) % 4
    members = [("good", LogisticRegression(), "good"), ("noise", LogisticRegression(), "noise")]
    lf = LateFusionClassifier(members, streams=STREAMS, weights="cv", cv=GroupKFold(2))
    assert lf.fit(X_tr, y_tr, groups=groups).weights_[0] >= 0.8
    with pytest.raises(ValueError, match="groups"):
        clone(lf).fit(X_tr, y_tr)


def test_late_fusion_fixed_weights_and_bad_members():
    X, y = _two_streams()
    members = [("a", LogisticRegression(), "good"), ("b", LogisticRegression(), None)]
    lf = LateFusionClassifier(members, streams=STREAMS, weights={"a": 3, "b": 1}).fit(X, y)
    np.testing.assert_allclose(lf.weights_, [0.75, 0.25])
    with pytest.raises(ValueError, match="has no fit/predict_proba"):
        LateFusionClassifier([("svm", SVC(), None)]).fit(X, y)
    with pytest.raises(ValueError, match="not one of the streams"):
        LateFusionClassifier([("a", LogisticRegression(), "flow")], streams=STREAMS).fit(X, y)
    with pytest.raises(ValueError, match="triple"):
        LateFusionClassifier([("a", LogisticRegression())]).fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_late_fusion_neural_members_and_sequence_input():
    """NN-LF with sklearn's MLPClassifier, on 3-D (n, T, D) input split by feature blocks."""
    X2, y = _two_streams(n_per_class=20)
    rng = np.random.RandomState(0)
    X3 = (X2[:, None, :] + 0.05 * rng.rand(X2.shape[0], 4, X2.shape[1])).astype(np.float32)
    mean_over_time = FunctionTransformer(lambda X: X.mean(axis=1))
    members = [
        ("good", make_pipeline(mean_over_time, MLPClassifier((16,), max_iter=400,
                                                             random_state=0)), "good"),
        ("noise", make_pipeline(mean_over_time, MLPClassifier((16,), max_iter=400,
                                                              random_state=0)), "noise"),
    ]
    lf = LateFusionClassifier(members, streams=STREAMS, weights="cv", cv=3).fit(X3, y)
    assert lf.weights_[0] > lf.weights_[1]
    assert lf.predict_proba(X3).shape == (X3.shape[0], 3)
    assert lf.score(X3, y) > 0.8


def test_late_fusion_with_skorch_member():
    from skvideo_clf import neural

    X, y = _two_streams(n_per_class=12)
    X = X.astype(np.float32)
    members = [
        ("svm", Chi2SVC(probability=True, random_state=0), "good"),
        ("lstm", neural.LSTMClassifier(max_epochs=5, random_state=0), "good"),
    ]
    lf = LateFusionClassifier(members, streams=STREAMS, weights="cv", cv=2).fit(X, y)
    assert lf.weights_.sum() == pytest.approx(1.0)
    assert lf.predict_proba(X).shape == (X.shape[0], 3)
    np.testing.assert_array_equal(lf.named_estimators_["lstm"].classes_, lf.classes_)


def test_late_fusion_passes_video_lists_to_members_untouched():
    """Members that featurize videos themselves get the list as given (ragged lengths)."""
    rng = np.random.RandomState(0)
    y = np.repeat(["dark", "bright"], 6)
    videos = [
        rng.randint(0, 100, (4 + i % 3, 8, 8, 3)).astype(np.uint8) + (155 if label == "bright"
                                                                       else 0)
        for i, label in enumerate(y)
    ]
    seen = []

    def brightness(vids):
        seen.append(type(vids))
        return np.array([[v.mean()] for v in vids])

    member = make_pipeline(FunctionTransformer(brightness), LogisticRegression())
    lf = LateFusionClassifier([("a", member, None), ("b", clone(member), None)]).fit(videos, y)
    assert lf.predict(videos).tolist() == y.tolist()
    assert set(seen) == {list} and not hasattr(lf, "n_features_in_")
    with pytest.raises(ValueError, match="numeric array"):
        LateFusionClassifier([("a", member, "s")], streams={"s": [0]}).fit(videos, y)


def test_late_fusion_in_grid_search_reaches_member_parameters(split):
    X_tr, X_te, y_tr, y_te = split
    members = [("good", LogisticRegression(), "good"), ("noise", LogisticRegression(), "noise")]
    search = GridSearchCV(
        LateFusionClassifier(members, streams=STREAMS),
        {"good__C": [1e-4, 10.0], "weights": [None, [1.0, 0.0]]},
        cv=3,
    ).fit(X_tr, y_tr)
    assert search.best_params_["good__C"] == 10.0  # C=1e-4 predicts one class
    assert len(search.cv_results_["params"]) == 4
    assert search.best_estimator_.members[0][1].C == 10.0
    assert search.score(X_te, y_te) > 0.75
