"""The one sequence validator: every input form, every refusal with one wording."""

import numpy as np
import pytest

from skvideo_clf.features import TemporalPooling
from skvideo_clf.neural import LSTMClassifier
from skvideo_clf.sampling import SpatioTemporalOversampler
from skvideo_clf.utils import check_sequences


def test_forms_agree_and_lengths_are_counted():
    rng = np.random.RandomState(0)
    X3 = rng.randn(4, 3, 2)
    stacked, lengths = check_sequences(X3)
    assert stacked.dtype == np.float32 and stacked.shape == (4, 3, 2)
    assert lengths.tolist() == [3, 3, 3, 3]
    ragged, lengths = check_sequences([X3[0], X3[1, :1]])
    assert [s.shape for s in ragged] == [(3, 2), (1, 2)] and lengths.tolist() == [3, 1]
    kept, _ = check_sequences(X3.astype(np.int64), dtype=None)
    assert kept.dtype == np.int64


@pytest.mark.parametrize("estimator", [
    TemporalPooling(),
    LSTMClassifier(hidden_sizes=2, max_epochs=1),
    SpatioTemporalOversampler(sequence_length=2),
])
@pytest.mark.parametrize("X", [np.zeros((4, 3, 0)), [np.zeros((2, 0))] * 4],
                         ids=["array", "ragged"])
def test_zero_features_get_the_librarys_error(estimator, X):
    # torch would otherwise say "input_size must be greater than zero".
    y = np.array([0, 0, 1, 1])
    fit = getattr(estimator, "fit_resample", estimator.fit)
    with pytest.raises(ValueError, match="0 features per step"):
        fit(X, y)


def test_same_fault_same_words_everywhere():
    X = [np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((1, 3)), np.zeros((1, 3))]
    y = np.array([0, 0, 1, 1])
    for estimator in (TemporalPooling(), LSTMClassifier(hidden_sizes=2, max_epochs=1),
                      SpatioTemporalOversampler(sequence_length=2)):
        fit = getattr(estimator, "fit_resample", estimator.fit)
        with pytest.raises(ValueError, match=r"different feature sizes \[3, 4\]"):
            fit(X, y)
