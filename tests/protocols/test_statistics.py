"""Rows against the baseline: corrected t-test over folds, Holm across rows, repeated folds."""

import numpy as np
import pytest

from skvideo_clf.metrics import corrected_ttest, holm
from skvideo_clf.protocols._runner import compare_with_baseline, group_splits


def _row(name, accuracies, n_test=40, n_train=160):
    """Fold records of a two-class row scoring ``accuracies`` (predictions built to match)."""
    truth = ["a", "b"] * (n_test // 2)
    wrong = ["b", "a"] * (n_test // 2)
    folds = []
    for acc in accuracies:
        n = round(acc * n_test)
        folds.append({"metrics": {"accuracy": n / n_test}, "n_train": n_train,
                      "test": list(range(n_test)), "labels": ["a", "b"], "y_true": truth,
                      "y_pred": truth[:n] + wrong[n:]})
    return {"name": name, "folds": folds}


def test_sign_flipping_row_is_no_evidence_though_the_test_set_bootstrap_excludes_zero():
    # NN-LF on real footage: a mean gain from folds that disagree in sign
    base = _row("baseline", [0.5, 0.6, 0.5, 0.6, 0.5])
    late = _row("NN-LF", [0.9, 0.4, 0.85, 0.5, 0.45])
    cmp = compare_with_baseline([base, late], "baseline", n_bootstrap=1000)["NN-LF"]
    assert cmp["fold_diffs"] == pytest.approx([0.4, -0.2, 0.35, -0.1, -0.05])
    assert cmp["diff"] == pytest.approx(0.08)
    # the old "beyond noise": the test-set interval (models fixed) excludes 0 ...
    assert cmp["test_set_ci"][0] > 0
    # ... but over folds, counting training variance, nothing is shown
    assert cmp["p"] > 0.5 and cmp["p_holm"] > 0.5
    assert cmp["verdict"] == "no evidence of a difference"
    expected = corrected_ttest(cmp["fold_diffs"], 160, 40)
    assert cmp["t"] == pytest.approx(expected.statistic) and cmp["df"] == 4


def test_holm_across_rows_and_verdicts():
    base = _row("base", [0.50, 0.55, 0.50, 0.55, 0.50])
    rows = [base,
            _row("steady gain", [0.70, 0.75, 0.725, 0.75, 0.70]),
            _row("steady loss", [0.30, 0.35, 0.275, 0.35, 0.325]),
            _row("small noisy", [0.55, 0.50, 0.55, 0.525, 0.475]),
            _row("same", [0.50, 0.55, 0.50, 0.55, 0.50])]
    out = compare_with_baseline(rows, "base", n_bootstrap=100)
    assert list(out) == ["steady gain", "steady loss", "small noisy", "same"]
    raw = [out[n]["p"] for n in out]
    np.testing.assert_allclose([out[n]["p_holm"] for n in out], holm(raw))
    # three rows tested ("same" has p = 1), so the smallest p is multiplied by 4
    assert min(out[n]["p_holm"] for n in out) == pytest.approx(4 * min(raw))
    assert out["steady gain"]["verdict"] == "higher"
    assert out["steady loss"]["verdict"] == "lower"
    assert out["small noisy"]["verdict"] == "no evidence of a difference"
    assert out["same"]["verdict"] == "identical on every fold"
    # a chance row is reported, not counted among the tests
    chance = _row("Chance", [0.5, 0.5, 0.5, 0.5, 0.5])
    ref = compare_with_baseline([*rows, chance], "base", references=["Chance"],
                                n_bootstrap=100)
    assert ref["Chance"]["verdict"] == "reference (not tested)"
    assert ref["Chance"]["p_holm"] is None and ref["Chance"]["diff"] is not None
    assert [ref[n]["p_holm"] for n in out] == [out[n]["p_holm"] for n in out]
    one = compare_with_baseline([_row("b", [0.5]), _row("r", [0.9])], "b", n_bootstrap=50)
    assert one["r"]["verdict"] == "untested: needs 2 or more folds" and one["r"]["p"] is None
    flat = compare_with_baseline([_row("b", [0.5, 0.5]), _row("r", [0.6, 0.6])], "b",
                                 n_bootstrap=50)
    assert flat["r"]["verdict"].startswith("untested") and flat["r"]["t"] is None


def _gy_groups(n_classes=4, n_groups=7, seed=0):
    """UCF101-like: every class has clips of groups g01..g07, unevenly many."""
    rng = np.random.default_rng(seed)
    y, groups = [], []
    for c in range(n_classes):
        for g in range(n_groups):
            n = int(rng.integers(2, 6))
            y += [f"class{c}"] * n
            groups += [f"g{g + 1:02d}"] * n
    return np.array(y), np.array(groups)


def test_repeated_group_splits_are_different_partitions_that_keep_groups_whole():
    y, groups = _gy_groups()
    splits = group_splits(y, groups, 3, n_repeats=4, random_state=0)
    assert len(splits) == 12
    partitions = set()
    for r in range(4):
        repeat = splits[3 * r:3 * r + 3]
        tested = np.concatenate([te for _, te in repeat])
        assert sorted(tested.tolist()) == list(range(len(y)))  # each video tested once
        for train, test in repeat:
            assert not set(groups[train]) & set(groups[test])
            assert set(y[test]) == set(y)  # every class in every test fold
            assert len(train) + len(test) == len(y)
        partitions.add(frozenset(frozenset(groups[te].tolist()) for _, te in repeat))
    assert len(partitions) == 4
    # the first repeat is today's single partition; the whole is reproducible
    assert [te.tolist() for _, te in group_splits(y, groups, 3)] == [
        te.tolist() for _, te in splits[:3]]
    again = group_splits(y, groups, 3, n_repeats=4, random_state=0)
    assert all(np.array_equal(a[1], b[1]) for a, b in zip(splits, again, strict=True))


def test_too_many_repeats_for_the_groups_is_an_error_that_says_how_many():
    y = np.repeat(["a", "b"], 6)
    groups = np.tile(["g1", "g1", "g2", "g2", "g3", "g3"], 2)
    with pytest.raises(ValueError, match="only 1 different 3-fold partitions"):
        group_splits(y, groups, 3, n_repeats=2)
