"""The corrected resampled t-test, Holm's correction and the test-set bootstrap: known answers."""

import math

import numpy as np
import pytest
from scipy import stats

from skvideo_clf.metrics import corrected_ttest, holm, paired_bootstrap_difference


def test_corrected_t_by_hand():
    # d = [0.1, 0.2, 0.0, 0.1]: mean 0.1, var (ddof 1) = 0.02 / 3;
    # 30 train / 10 test: var * (1/4 + 10/30) = 0.02 / 3 * 7 / 12 = 0.0038889
    d = [0.1, 0.2, 0.0, 0.1]
    res = corrected_ttest(d, 30, 10)
    t_hand = 0.1 / math.sqrt(0.02 / 3 * 7 / 12)
    assert res.statistic == pytest.approx(t_hand, rel=1e-12)
    assert res.statistic == pytest.approx(1.6035675, abs=1e-7)
    assert res.df == 3
    assert res.pvalue == pytest.approx(2 * stats.t.sf(t_hand, 3), rel=1e-12)
    assert corrected_ttest(d, 30, 10, alternative="greater").pvalue == pytest.approx(
        stats.t.sf(t_hand, 3))
    assert corrected_ttest(d, 30, 10, alternative="less").pvalue == pytest.approx(
        stats.t.cdf(t_hand, 3))
    # without the overlap term (n_test / n_train -> 0) it is the plain paired t-test
    plain = stats.ttest_1samp(d, 0.0)
    assert corrected_ttest(d, 10**12, 1).statistic == pytest.approx(plain.statistic)
    assert corrected_ttest(d, 10**12, 1).pvalue == pytest.approx(plain.pvalue)


def test_reproduces_scikit_learns_example_numbers():
    # "Statistical comparison of models using grid search": 10 x 10-fold repeated CV of
    # 100 samples (90 train, 10 test); uncorrected t 2.611 (p 0.005) becomes corrected
    # t 0.750 with one-sided p 0.227.
    rng = np.random.default_rng(0)
    d = rng.normal(size=100)
    d = d - d.mean() + 2.611 * d.std(ddof=1) / math.sqrt(100)   # plain t exactly 2.611
    assert stats.ttest_1samp(d, 0).statistic == pytest.approx(2.611)
    res = corrected_ttest(d, 90, 10, alternative="greater")
    assert round(res.statistic, 3) == 0.750
    assert round(res.pvalue, 3) == 0.227
    assert res.df == 99
    assert corrected_ttest(d, 90, 10).pvalue == pytest.approx(2 * res.pvalue)


def test_per_fold_sizes_use_the_ratio_of_their_means():
    d = [0.05, 0.02, 0.04]
    by_fold = corrected_ttest(d, [40, 44, 42], [22, 18, 20])
    assert by_fold.statistic == pytest.approx(corrected_ttest(d, 42, 20).statistic)


def test_sign_flipping_fold_differences_are_not_significant():
    # a late-fusion row on real footage: +0.068 on average, folds disagree in sign
    d = [0.30, -0.10, 0.25, -0.05, -0.06]
    res = corrected_ttest(d, 40, 10)
    assert np.mean(d) == pytest.approx(0.068)
    assert res.pvalue > 0.4
    # while consistent differences of the same mean are
    assert corrected_ttest([0.07, 0.06, 0.08, 0.065, 0.065], 40, 10).pvalue < 0.001


def test_degenerate_differences():
    nan = corrected_ttest([0.1], 10, 5)
    assert math.isnan(nan.statistic) and math.isnan(nan.pvalue) and nan.df == 0
    zero = corrected_ttest([0.0, 0.0, 0.0], 10, 5)
    assert math.isnan(zero.statistic) and zero.pvalue == 1.0
    same = corrected_ttest([0.1, 0.1, 0.1], 10, 5)  # no variance: nothing to test
    assert math.isnan(same.statistic) and math.isnan(same.pvalue)
    # NaN folds are left out
    assert corrected_ttest([0.1, np.nan, 0.2, 0.0], 30, 10).df == 2
    with pytest.raises(ValueError, match="alternative"):
        corrected_ttest([0.1, 0.2], 10, 5, alternative="bigger")


def test_holm_textbook_example():
    # Holm (1979) step-down, the worked example of four hypotheses at alpha 0.05:
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4, x3, x2, x1 -> 0.02, 0.03, 0.06, 0.04 -> running
    # maximum 0.02, 0.03, 0.06, 0.06; H4 and H1 rejected, H3 and H2 not
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    assert (adjusted < 0.05).tolist() == [True, False, False, True]
    # R: p.adjust(c(0.01, 0.02, 0.03, 0.04, 0.05), "holm")
    np.testing.assert_allclose(holm([0.01, 0.02, 0.03, 0.04, 0.05]),
                               [0.05, 0.08, 0.09, 0.09, 0.09])
    # capped at 1, and stronger than Benjamini-Hochberg's FDR adjustment
    p = [0.2, 0.5, 0.01]
    np.testing.assert_allclose(holm(p), [0.4, 0.5, 0.03])
    assert (holm(p) >= stats.false_discovery_control(p)).all()
    np.testing.assert_allclose(holm([0.6, 0.9]), [1.0, 1.0])


def test_holm_leaves_untested_rows_out():
    adjusted = holm([0.01, None, np.nan, 0.04])
    np.testing.assert_allclose(adjusted[[0, 3]], [0.02, 0.04])
    assert np.isnan(adjusted[1]) and np.isnan(adjusted[2])
    assert np.isnan(holm([None])).all() and holm([]).shape == (0,)


def test_test_set_bootstrap_interval():
    y = np.repeat(["a", "b"], 50)
    good, poor = y.copy(), y.copy()
    poor[50::2] = "a"                                  # 25 of 100 wrong: accuracy 0.75
    low, high = paired_bootstrap_difference(y, poor, good, n_resamples=1000)
    assert low < 0.25 < high and 0.1 < low and high < 0.4
    # the same predictions: no difference, no interval
    assert paired_bootstrap_difference(y, good, good) == (0.0, 0.0)
    # macro F1 and balanced accuracy are metrics of the resample as a whole
    low, high = paired_bootstrap_difference(y, poor, good, metric="balanced_accuracy",
                                            n_resamples=500)
    assert low < 0.25 < high
    # reproducible with its seed
    assert paired_bootstrap_difference(y, poor, good, random_state=3) == (
        paired_bootstrap_difference(y, poor, good, random_state=3))
    with pytest.raises(ValueError, match="metric"):
        paired_bootstrap_difference(y, poor, good, metric="auc")
    with pytest.raises(ValueError, match="'c'"):
        paired_bootstrap_difference(y, poor, np.where(good == "a", "c", "b"), labels=["a", "b"])


@pytest.mark.parametrize("metric", ["accuracy", "f1_macro", "f1_weighted", "balanced_accuracy"])
def test_each_resample_scores_as_sklearn_does(metric):
    from sklearn import metrics as skm

    from skvideo_clf.metrics._statistics import _resample_metric

    score = {"accuracy": skm.accuracy_score,
             "f1_macro": lambda a, b: skm.f1_score(a, b, average="macro", labels=range(5),
                                                   zero_division=0),
             "f1_weighted": lambda a, b: skm.f1_score(a, b, average="weighted",
                                                      labels=range(5), zero_division=0),
             "balanced_accuracy": skm.balanced_accuracy_score}[metric]
    rng = np.random.default_rng(0)
    t = rng.integers(0, 4, (6, 30))   # class 4 never true: a label absent from a resample
    p = rng.integers(0, 5, (6, 30))
    p[:, :15] = t[:, :15]
    expected = [score(t[i], p[i]) for i in range(6)]
    np.testing.assert_allclose(_resample_metric(t, p, 5, metric), expected)


def test_a_video_predicted_once_per_repeat_is_resampled_as_one_video():
    rng = np.random.default_rng(1)
    y = np.repeat(["a", "b"], 40)
    a, b = y.copy(), y.copy()
    a[rng.random(80) < 0.4] = "a"
    b[rng.random(80) < 0.2] = "b"
    once = paired_bootstrap_difference(y, a, b, n_resamples=2000)
    # two repeats with the same predictions: pooled as 160 independent videos the interval
    # shrinks by about sqrt(2); drawn by video it is the single run's
    twice = [np.tile(v, 2) for v in (y, a, b)]
    pooled = paired_bootstrap_difference(*twice, n_resamples=2000)
    by_video = paired_bootstrap_difference(*twice, groups=np.tile(np.arange(80), 2),
                                           n_resamples=2000)
    width = {k: v[1] - v[0] for k, v in dict(once=once, pooled=pooled, by=by_video).items()}
    assert width["by"] == pytest.approx(width["once"], rel=0.1)
    assert width["pooled"] < 0.8 * width["once"]
    # videos predicted a different number of times (official splits 1, 2, 3)
    uneven = paired_bootstrap_difference(np.r_[y, y[:10]], np.r_[a, a[:10]],
                                         np.r_[b, b[:10]],
                                         groups=np.r_[np.arange(80), np.arange(10)])
    assert uneven[0] < uneven[1]
