"""Both samplers against imbalanced-learn's sampler checks and scikit-learn's API checks.

The checks feed 2-D numeric / string / sparse / DataFrame data, which the samplers treat
as sequences of length one (rows are copied), so every check applies; none is expected to
fail. Checks needing pandas are skipped (with imblearn's reason) where pandas is absent.
"""

from imblearn.utils.estimator_checks import parametrize_with_checks as imblearn_checks
from sklearn.utils.estimator_checks import parametrize_with_checks as sklearn_checks

from skvideo_clf.sampling import BootstrapSampler, SpatioTemporalOversampler

SAMPLERS = [SpatioTemporalOversampler(random_state=0), BootstrapSampler(random_state=0)]


def expected_failed_checks(estimator):
    # Every check passes: input validation is overridden the way RandomOverSampler does it,
    # so strings, NaN, sparse matrices, DataFrames and one-hot targets all go through, and
    # `sample_indices_` is set and tagged. Listed here (empty) so that a new failure in a
    # future imblearn / sklearn shows up as a real failure, not as an expected one.
    return {}


@imblearn_checks(SAMPLERS, expected_failed_checks=expected_failed_checks)
def test_imblearn_sampler_checks(estimator, check):
    check(estimator)


@sklearn_checks(SAMPLERS, expected_failed_checks=expected_failed_checks)
def test_sklearn_api_checks(estimator, check):
    check(estimator)
