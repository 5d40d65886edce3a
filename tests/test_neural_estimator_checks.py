"""scikit-learn's estimator checks over every neural classifier (tiny nets, few epochs)."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from skvideo_clf.neural import (
    FeatureMapCNNClassifier,
    FrameVotingClassifier,
    FusionNetClassifier,
    LSTMClassifier,
    MotionCNNClassifier,
    ResBiLSTMClassifier,
)

SMALL = dict(max_epochs=10, batch_size=128, lr=0.05, random_state=0)

ESTIMATORS = [
    LSTMClassifier(hidden_sizes=(8,), **SMALL),
    ResBiLSTMClassifier(hidden_size=8, fc_size=8, fc_dropout=0.0, **SMALL),
    FrameVotingClassifier(hidden_size=16, dropout=0.0, **SMALL),
    FeatureMapCNNClassifier(**{**SMALL, "max_epochs": 20}),
    MotionCNNClassifier(channels=(4,), fc_size=8, dropout=0.0, **SMALL),
    FusionNetClassifier(stream_size=8, fusion_size=8, lambda2=1e-4, lambda3=1e-4,
                        **{**SMALL, "lr": 0.1}),
]

# None: 2-D (n, D) input is read as length-1 sequences (or 1x1 maps, or a square map), so
# every check runs as written. List a check here, with its reason, if one ever must fail.
EXPECTED_FAILED: dict[str, dict[str, str]] = {}


def _expected_failed_checks(estimator):
    return EXPECTED_FAILED.get(type(estimator).__name__, {})


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)
