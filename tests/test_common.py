"""Common checks over every estimator that :func:`~skvideo_clf.utils.discovery.all_estimators`
finds.

No hand-kept list: a new public estimator is checked as soon as it is exported, and
:func:`_tested_instances` must say how to build a small one (it raises otherwise).

- 2-D capable estimators (classifiers, pooling, fusion, samplers): scikit-learn's
  ``parametrize_with_checks``. Sequence models read ``(n, D)`` rows as length-1
  sequences (or 1x1 maps, or a square map) and the samplers copy rows, so every check
  applies as written.
- Samplers, in addition: imbalanced-learn's ``parametrize_with_checks``.
- Featurizers take videos, not 2-D rows: the API checks that need no data, clone and
  pickle round trips, and fit/transform of tiny in-memory videos.
- Video classifiers (tagged ``input_tags.two_d_array = False``: meta-estimators over a
  video pipeline) likewise: the API checks, and fit/predict/clone/pickle on tiny videos.

Expected failures live in one dict, :data:`EXPECTED_FAILED`, each with its reason.
"""

import pickle
import warnings

import numpy as np
import pytest
from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import estimator_checks as sk_checks
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

from skvideo_clf.utils.discovery import all_estimators

# Tiny nets, few epochs: what the checks need to see the classes learned, and no more.
_SMALL_NET = dict(max_epochs=10, batch_size=128, lr=0.05, random_state=0)


def _mean_colour(frames):
    """A featurizer function for FunctionFrameTransformer: the mean RGB of each frame."""
    return frames.reshape(len(frames), -1, 3).mean(axis=1)


def _video_pipeline():
    """Videos -> mean colour of 2 frames -> pooled -> logistic regression."""
    from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling

    return make_pipeline(FunctionFrameTransformer(_mean_colour, sequence_length=2),
                         TemporalPooling(), StandardScaler(), LogisticRegression())


def _video_lstm_pipeline():
    """Videos -> mean colour of 2 frames -> a small LSTM (its head can be refitted)."""
    from skvideo_clf.features import FunctionFrameTransformer
    from skvideo_clf.neural import LSTMClassifier

    return make_pipeline(FunctionFrameTransformer(_mean_colour, sequence_length=2),
                         LSTMClassifier(hidden_sizes=(16,), **{**_SMALL_NET, "max_epochs": 60}))


def _tested_instances(cls):
    """``[(label, instance), ...]``: the small instances of ``cls`` that the checks run on.

    The first label is the class name; further variants (labelled ``Name[variant]``)
    cover parameter values that change which code paths the checks reach.
    """
    name = cls.__name__
    members = [("lr", LogisticRegression(), None), ("nb", GaussianNB(), None)]
    # class name -> keyword arguments of each instance
    variants = {
        # neural classifiers
        "LSTMClassifier": [dict(hidden_sizes=(8,), **_SMALL_NET),
                           # the long-tail losses: one defined for multi-label targets
                           # (sklearn's multi-label checks), and the softmax-only ones
                           dict(hidden_sizes=(8,), loss="focal",
                                class_weight="effective_number", **_SMALL_NET),
                           dict(hidden_sizes=(8,), loss="ldam", reweight_start=0.5,
                                posthoc_tau=0.5, **_SMALL_NET)],
        "ResBiLSTMClassifier": [dict(hidden_size=8, fc_size=8, fc_dropout=0.0, **_SMALL_NET)],
        "FrameVotingClassifier": [dict(hidden_size=16, dropout=0.0, **_SMALL_NET)],
        "FeatureMapCNNClassifier": [{**_SMALL_NET, "max_epochs": 20}],
        "MotionCNNClassifier": [dict(channels=(4,), fc_size=8, dropout=0.0, **_SMALL_NET)],
        "FusionNetClassifier": [dict(stream_size=8, fusion_size=8, lambda2=1e-4, lambda3=1e-4,
                                     **{**_SMALL_NET, "lr": 0.1})],
        # kernel and fusion baselines; negative="shift" also runs the checks that feed
        # negative features, which negative="raise" (the default) refuses
        "Chi2SVC": [{}, dict(negative="shift", probability=True, random_state=0)],
        "EarlyFusionSVC": [{}, dict(negative="shift")],
        "MKLClassifier": [{}, dict(negative="shift")],
        "LateFusionClassifier": [dict(members=members),
                                 dict(members=members, weights="cv", cv=3)],
        # pooling and samplers
        "TemporalPooling": [{}],
        "SpatioTemporalOversampler": [dict(random_state=0)],
        "BootstrapSampler": [dict(random_state=0)],
        "MLROSSampler": [dict(random_state=0)],
        # featurizers: random weights, tiny frames, short sequences
        "InceptionFrameTransformer": [dict(weights=None, input_size=75, sequence_length=2,
                                           random_state=0)],
        "LowLevelFrameTransformer": [dict(n_components=4, output="vector", sequence_length=2,
                                          random_state=0)],
        "OpticalFlowTransformer": [dict(n_stack=2, flow_size=16, grid=1, sequence_length=2)],
        "FrameFeatureTransformer": [dict(backbone="efficientnet_lite0", weights=None,
                                         preprocessing={"input_size": 32}, sequence_length=2,
                                         random_state=0)],
        "FunctionFrameTransformer": [dict(func=_mean_colour, sequence_length=2)],
        # the low-complexity RNN paper's class transfer: videos -> mean colours -> LSTM
        "HeadTransferClassifier": [dict(estimator=_video_lstm_pipeline(), head_epochs=60,
                                         head_data="all")],
        # video classifiers: a meta-estimator over a tiny video pipeline
        "ClipAveragingClassifier": [dict(estimator=_video_pipeline(), n_clips=2),
                                    dict(estimator=_video_pipeline(), n_clips=3,
                                         sampling="random", frames_per_clip=2,
                                         fit_on="clips", random_state=0)],
    }
    if name not in variants:
        raise NotImplementedError(f"{name} is a new estimator: say in _tested_instances "
                                  "how to build a small instance of it for the checks.")
    return [(name if i == 0 else f"{name}[{i}]", cls(**params))
            for i, params in enumerate(variants[name])]


_LIBSVM_TOL = "libsvm solves to tol; repetition matches integer weights to ~1e-4"
_FLOAT32_NET = "float32 training: weights equal repetition to ~2e-7, the check wants 1e-7"
_CHI2_NEGATIVE = ("feeds negative features to a chi2 kernel estimator despite its "
                  "positive_only tag (passes with negative='shift')")

#: (instance label, check name) -> reason. Applied as xfail; an XPASS shows up in the report.
EXPECTED_FAILED = {
    # sklearn's check fits make_blobs data, negative values included, without looking at
    # the positive_only tag that the chi2 estimators set; they rightly refuse it. The
    # negative="shift" variants run the same check and pass it.
    ("Chi2SVC", "check_class_weight_classifiers"): _CHI2_NEGATIVE,
    ("EarlyFusionSVC", "check_class_weight_classifiers"): _CHI2_NEGATIVE,
    ("MKLClassifier", "check_class_weight_classifiers"): _CHI2_NEGATIVE,
    # As for sklearn's own SVC: libsvm stops at tol=1e-3, so repeated samples and integer
    # weights agree to about 1e-4 only (the check wants 1e-7), and with probability=True the
    # calibration folds differ. tests/test_sample_weight.py checks the equivalence at
    # tol=1e-10.
    **{(label, "check_sample_weight_equivalence_on_dense_data"): _LIBSVM_TOL
       for label in ("Chi2SVC", "Chi2SVC[1]", "EarlyFusionSVC", "EarlyFusionSVC[1]",
                     "MKLClassifier", "MKLClassifier[1]")},
    # The nets train in float32: weighted and repeated fits agree to ~2e-7 in probability
    # (summation order), the check wants rtol=1e-7. tests/test_sample_weight.py checks the
    # equivalence of loss and gradients at rtol=1e-5.
    **{(label, "check_sample_weight_equivalence_on_dense_data"): _FLOAT32_NET
       for label in ("LSTMClassifier", "LSTMClassifier[1]", "LSTMClassifier[2]",
                     "FrameVotingClassifier", "FeatureMapCNNClassifier",
                     "MotionCNNClassifier", "FusionNetClassifier")},
    # ML-ROS is multi-label: it takes the indicator matrix imbalanced-learn's check
    # expects every sampler to refuse.
    ("MLROSSampler", "check_target_type"): "multi-label sampler: takes an indicator y",
    # Batch normalization's statistics count every video of the batch, zero-weight and
    # repeated ones alike: weights are not repetition for it (documented in fit).
    ("ResBiLSTMClassifier", "check_sample_weight_equivalence_on_dense_data"): (
        "batch normalization statistics are unweighted"),
}

_LABELED = [pair for _, cls in all_estimators() for pair in _tested_instances(cls)]
_LABEL = {id(est): label for label, est in _LABELED}
_FEATURIZERS = {cls for _, cls in all_estimators("featurizer")}
_SAMPLERS = {cls for _, cls in all_estimators("sampler")}

VIDEO_CLASSIFIERS = [(label, est) for label, est in _LABELED if type(est) not in _FEATURIZERS
                     and not est.__sklearn_tags__().input_tags.two_d_array]
_VIDEO_CLASSIFIER_TYPES = {type(est) for _, est in VIDEO_CLASSIFIERS}
TWO_D = [est for _, est in _LABELED
         if type(est) not in _FEATURIZERS | _VIDEO_CLASSIFIER_TYPES]
SAMPLERS = [est for _, est in _LABELED if type(est) in _SAMPLERS]
FEATURIZERS = [(label, est) for label, est in _LABELED if type(est) in _FEATURIZERS]


def _expected_failed_checks(estimator):
    label = _LABEL[id(estimator)]
    return {check: reason for (lab, check), reason in EXPECTED_FAILED.items() if lab == label}


def test_discovery_finds_every_kind():
    # Guards the discovery itself: an estimator that vanished from it would silently
    # drop out of every check below.
    names = {label for label, _ in _LABELED}
    assert {"LSTMClassifier", "Chi2SVC", "LateFusionClassifier", "TemporalPooling",
            "BootstrapSampler", "SpatioTemporalOversampler", "InceptionFrameTransformer",
            "LowLevelFrameTransformer", "OpticalFlowTransformer"} <= names
    assert len(TWO_D) + len(FEATURIZERS) + len(VIDEO_CLASSIFIERS) == len(_LABELED)
    assert len(SAMPLERS) == 3 and "ClipAveragingClassifier" in names
    # an expected failure must name a tested instance, or it would never apply
    assert {lab for lab, _ in EXPECTED_FAILED} <= names


# ----------------------------------------------------------------------------- 2-D input
@sklearn_checks(TWO_D, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@imblearn_checks(SAMPLERS, expected_failed_checks=_expected_failed_checks)
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)


# ----------------------------------------------------------------------------- featurizers
_FEATURIZER_API_CHECKS = [
    sk_checks.check_estimator_cloneable,
    sk_checks.check_estimator_repr,
    sk_checks.check_param_validation,
    sk_checks.check_get_params_invariance,
    sk_checks.check_set_params,
    sk_checks.check_no_attributes_set_in_init,
    sk_checks.check_parameters_default_constructible,
    sk_checks.check_do_not_raise_errors_in_init_or_set_params,
]


def _featurizer_params(estimators=FEATURIZERS):
    params = []
    for label, est in estimators:
        for check in _FEATURIZER_API_CHECKS:
            key = (label, check.__name__)
            marks = ()
            if key in EXPECTED_FAILED:
                marks = pytest.mark.xfail(reason=EXPECTED_FAILED[key], strict=True)
            params.append(pytest.param(est, check, marks=marks, id=f"{label}-{check.__name__}"))
    return params


@pytest.mark.parametrize("estimator, check", _featurizer_params())
def test_featurizer_api(estimator, check):
    check(type(estimator).__name__, clone(estimator))


@pytest.fixture(scope="module")
def videos(tiny_videos):
    videos, y, _ = tiny_videos
    # one video of each of two classes: 8 frames of 32x32 RGB, uint8
    return [videos[i] for i in np.unique(y, return_index=True)[1][:2]]


def _fit_transform(est, videos):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random Inception weights: tests only
        return est.fit_transform(videos)


@pytest.mark.parametrize("estimator", [est for _, est in FEATURIZERS],
                         ids=[label for label, _ in FEATURIZERS])
def test_featurizer_fit_transform_clone_pickle(estimator, videos):
    est = clone(estimator)
    X = _fit_transform(est, videos)
    assert isinstance(X, np.ndarray) and X.dtype == np.float32
    assert X.ndim == 3 and X.shape[:2] == (len(videos), estimator.sequence_length)
    assert X.shape[2] > 0 and np.isfinite(X).all()
    # different videos, different features: the featurizer looks at its input
    # relative: random-weight networks can give features of any scale (1e-10 and less)
    assert np.abs(X[0] - X[1]).max() > 1e-3 * np.abs(X).max()
    # transform after fit gives what fit_transform gave (frames computed once or twice)
    np.testing.assert_allclose(est.transform(videos), X, rtol=1e-5, atol=1e-6)
    # a pickled fitted featurizer transforms the same
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(restored.transform(videos), X, rtol=1e-5, atol=1e-6)
    # a clone of the fitted featurizer has its parameters and none of its fitted state
    twin = clone(est)
    assert twin.get_params() == estimator.get_params()
    assert not [k for k in vars(twin) if k.endswith("_") and not k.startswith("_")]


# ----------------------------------------------------------------------------- video classifiers
@pytest.mark.parametrize("estimator, check", _featurizer_params(VIDEO_CLASSIFIERS))
def test_video_classifier_api(estimator, check):
    check(type(estimator).__name__, clone(estimator))


@pytest.mark.parametrize("estimator", [est for _, est in VIDEO_CLASSIFIERS],
                         ids=[label for label, _ in VIDEO_CLASSIFIERS])
def test_video_classifier_fit_predict_clone_pickle(estimator, tiny_videos):
    videos, y, _ = tiny_videos
    est = clone(estimator).fit(videos, y)
    assert list(est.classes_) == sorted(set(y))
    proba = est.predict_proba(videos)
    assert proba.shape == (len(videos), len(est.classes_))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)  # float32 nets
    pred = est.predict(videos)
    assert pred.shape == (len(videos),) and set(pred) <= set(y)
    # mean colours tell the tiny classes apart well above chance (1/8)
    assert np.mean(pred == y) > 0.5
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_allclose(restored.predict_proba(videos), proba)
    twin = clone(est)
    assert twin.get_params().keys() == estimator.get_params().keys()
    assert not [k for k in vars(twin) if k.endswith("_") and not k.startswith("_")]
