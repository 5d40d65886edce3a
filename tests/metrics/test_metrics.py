"""The evaluation report against numbers computed by hand."""

import csv
import io
import json
import math
import os
import warnings

import numpy as np
import pytest

from skvideo_clf.metrics import (
    evaluate,
    evaluate_estimator,
    format_table,
    new_figure,
    plot_training_curves,
    save_figure,
)

# Six videos, three classes. Hand counts (rows true, columns predicted, order a, b, c):
#   a: TP 1, FN 1 (-> b), FP 1 (a c predicted a)   P 1/2  R 1/2  F1 1/2
#   b: TP 1, FN 0, FP 1                            P 1/2  R 1    F1 2/3
#   c: TP 2, FN 1 (-> a), FP 0                     P 1    R 2/3  F1 4/5
Y_TRUE = ["a", "a", "b", "c", "c", "c"]
Y_PRED = ["a", "b", "b", "c", "a", "c"]
# Row 1 (true a) has a in third place; row 4 (true c) has c in second place.
Y_SCORE = [[.6, .3, .1], [.2, .5, .3], [.1, .8, .1], [.1, .2, .7], [.5, .1, .4], [.2, .2, .6]]


def test_hand_computed_scores():
    r = evaluate(Y_TRUE, Y_PRED, y_score=Y_SCORE, k=(1, 2))
    assert r.labels == ["a", "b", "c"]
    assert r.accuracy == pytest.approx(4 / 6)
    assert r.f1_macro == pytest.approx((1 / 2 + 2 / 3 + 4 / 5) / 3)
    assert r.f1_weighted == pytest.approx((2 * 1 / 2 + 1 * 2 / 3 + 3 * 4 / 5) / 6)
    assert r.balanced_accuracy == pytest.approx((1 / 2 + 1 + 2 / 3) / 3)
    assert r.per_class["a"]["precision"] == pytest.approx(0.5)
    assert r.per_class["b"]["recall"] == pytest.approx(1.0)
    assert r.per_class["c"]["recall"] == pytest.approx(2 / 3)
    assert r.per_class["c"]["f1"] == pytest.approx(0.8)
    # Specificity of a: of the 4 non-a videos, 3 are not predicted a.
    assert r.per_class["a"]["specificity"] == pytest.approx(3 / 4)
    assert [r.per_class[c]["support"] for c in "abc"] == [2, 1, 3]
    assert r.hit_at_k == {1: pytest.approx(4 / 6), 2: pytest.approx(5 / 6)}
    # AP of a: ranks .6 (pos), .5 (neg), then .2 tied (pos, neg): 1/2 * 1 + 1/2 * 1/2.
    assert r.average_precision == {"a": pytest.approx(0.75), "b": 1.0, "c": 1.0}
    assert r.mean_average_precision == pytest.approx((0.75 + 1 + 1) / 3)
    assert r.confusion_matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]


def test_column_order_follows_labels_and_pred_defaults_to_argmax():
    order = [2, 0, 1]  # columns c, a, b
    scores = np.asarray(Y_SCORE)[:, order]
    r = evaluate(Y_TRUE, y_score=scores, labels=["c", "a", "b"], k=1)
    # argmax of these scores is exactly Y_PRED.
    assert r.y_pred.tolist() == Y_PRED
    assert r.accuracy == pytest.approx(4 / 6)
    assert r.average_precision["a"] == pytest.approx(0.75)
    assert r.labels == ["c", "a", "b"]
    assert r.confusion_matrix.tolist() == [[2, 1, 0], [0, 1, 1], [0, 0, 1]]


def test_class_absent_from_y_true_is_kept_and_excluded_from_map():
    scores = np.column_stack([np.asarray(Y_SCORE), np.zeros(6)])
    r = evaluate(Y_TRUE, Y_PRED, y_score=scores, labels=["a", "b", "c", "d"])
    assert math.isnan(r.average_precision["d"])
    assert r.mean_average_precision == pytest.approx((0.75 + 1 + 1) / 3)
    assert r.per_class["d"]["support"] == 0
    assert r.confusion_matrix.shape == (4, 4)
    # Macro F1 over the 4 labels counts d as 0, as sklearn does with labels=.
    assert r.f1_macro == pytest.approx((1 / 2 + 2 / 3 + 4 / 5 + 0) / 4)
    d = r.to_dict()
    assert d["per_class"]["d"]["average_precision"] is None
    json.dumps(d, allow_nan=False)


def test_binary_scores_one_or_two_columns():
    y = [0, 0, 1, 1, 1]
    p1 = np.array([0.1, 0.6, 0.7, 0.4, 0.9])  # score of class 1
    r1 = evaluate(y, y_score=p1, labels=[0, 1])
    r2 = evaluate(y, y_score=np.column_stack([1 - p1, p1]), labels=[0, 1])
    # argmax: [0, 1, 1, 0, 1] -> 3 of 5 right.
    assert r1.accuracy == r2.accuracy == pytest.approx(3 / 5)
    assert r1.hit_at_k[1] == r2.hit_at_k[1] == pytest.approx(3 / 5)
    # AP of class 1: ranks .9 (pos) .7 (pos) .6 (neg) .4 (pos): (1 + 1 + 3/4) / 3.
    assert r2.average_precision[1] == pytest.approx((1 + 1 + 3 / 4) / 3)
    assert r1.average_precision[1] == pytest.approx(r2.average_precision[1])


def test_hit_at_k_at_or_above_n_classes_is_one_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = evaluate(Y_TRUE, Y_PRED, y_score=Y_SCORE, k=(1, 3, 5))
    assert r.hit_at_k[3] == r.hit_at_k[5] == 1.0


def test_without_scores_only_label_metrics():
    r = evaluate(Y_TRUE, Y_PRED)
    assert r.hit_at_k == {} and r.mean_average_precision is None
    assert set(r.summary()) == {"accuracy", "f1_macro", "f1_weighted", "balanced_accuracy"}
    with pytest.raises(ValueError, match="y_score"):
        r.plot_precision_recall()


@pytest.mark.parametrize("kwargs, match", [
    (dict(y_score=Y_SCORE), "labels"),
    (dict(y_score=np.ones((6, 2)), labels=["a", "b", "c"]), "one column per label"),
    (dict(y_pred=["a"] * 5 + ["z"], labels=["a", "b", "c"]), "z"),
    (dict(y_pred=Y_PRED, k=0), "k must be"),
    (dict(), "y_pred, y_score"),
    (dict(y_score=np.full((6, 3), np.nan), labels=["a", "b", "c"]), "NaN"),
])
def test_bad_input_is_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate(Y_TRUE, **kwargs)


def test_tables_text_markdown_csv():
    r = evaluate(Y_TRUE, Y_PRED, y_score=Y_SCORE)
    md = r.to_markdown()
    assert "| a     |     0.500 |  0.500 |" in md
    assert "| f1_macro          | 0.656 |" in md
    rows = list(csv.DictReader(io.StringIO(r.to_csv())))
    assert [row["class"] for row in rows] == ["a", "b", "c"]
    assert float(rows[2]["recall"]) == pytest.approx(2 / 3, abs=1e-15)
    summary = {row["metric"]: float(row["value"])
               for row in csv.DictReader(io.StringIO(r.to_csv("summary")))}
    assert summary["hit@3"] == 1.0 and summary["mAP"] == pytest.approx(11 / 12)
    text = str(r)
    assert "balanced_accuracy  0.722" in text


def test_format_table_fills_missing_cells_and_quotes_csv():
    rows = [{"model": "a, b", "acc": 0.5}, {"model": "c", "f1": 0.25}]
    out = format_table(rows, fmt="csv")
    assert out == 'model,acc,f1\n"a, b",0.5,\nc,,0.25\n'
    text = format_table(rows, digits=2).splitlines()
    assert text[2] == "a, b   0.50"
    with pytest.raises(ValueError, match="fmt"):
        format_table(rows, fmt="html")


def test_save_writes_readable_files(tmp_path):
    r = evaluate(Y_TRUE, Y_PRED, y_score=Y_SCORE)
    history = [{"epoch": 1, "train_loss": 1.0, "valid_loss": 1.1},
               {"epoch": 2, "train_loss": 0.5, "valid_loss": 0.8}]
    paths = r.save(tmp_path / "rep", prefix="x_", training_history=history)
    assert set(paths) == {"markdown", "csv", "summary_csv", "json", "confusion_matrix",
                          "confusion_matrix_normalized", "precision_recall", "training_curves"}
    for key in ("confusion_matrix", "confusion_matrix_normalized", "precision_recall",
                "training_curves"):
        with open(paths[key], "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(paths["json"]) as f:
        data = json.load(f)
    assert data["accuracy"] == pytest.approx(4 / 6)
    assert data["confusion_matrix"] == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == sorted(
        os.path.basename(p) for p in paths.values())
    assert all(os.path.basename(p).startswith("x_") for p in paths.values())
    assert not list((tmp_path / "rep").glob("*.tmp*"))


def test_training_curves_from_a_real_skorch_net():
    import torch
    from matplotlib.figure import Figure
    from skorch import NeuralNetClassifier

    torch.manual_seed(0)
    X = np.random.RandomState(0).randn(40, 3).astype(np.float32)
    y = (X[:, 0] > 0).astype(np.int64)
    net = NeuralNetClassifier(torch.nn.Linear(3, 2), criterion=torch.nn.CrossEntropyLoss,
                              max_epochs=3, verbose=0).fit(X, y)
    ax = plot_training_curves(net, ax=Figure().add_subplot())
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert set(lines) == {"train_loss", "valid_loss"}
    assert lines["train_loss"].get_xdata().tolist() == [1, 2, 3]
    assert lines["train_loss"].get_ydata().tolist() == pytest.approx(
        net.history[:, "train_loss"])
    with pytest.raises(ValueError, match="records"):
        plot_training_curves(net, ax=Figure().add_subplot(), keys=("nope",))


def test_evaluate_estimator_uses_scores_once():
    from sklearn.svm import SVC

    X = np.array([[0.0], [0.2], [1.0], [1.2], [2.0], [2.2]])
    y = np.array(["lo", "lo", "mid", "mid", "hi", "hi"])
    calls = []

    class Counting(SVC):
        def decision_function(self, X):
            calls.append(len(X))
            return super().decision_function(X)

    clf = Counting(kernel="rbf", C=100).fit(X, y)
    r = evaluate_estimator(clf, X, y)
    assert calls == [6]
    assert r.labels == ["hi", "lo", "mid"]
    assert r.accuracy == 1.0 and r.mean_average_precision == 1.0
    with pytest.raises(ValueError, match="fitted"):
        evaluate_estimator(SVC(), X, y)


def test_evaluate_estimator_reports_predict_and_featurizes_once():
    """Labels are the classifier's own predict (a majority vote may differ from the argmax
    of averaged probabilities); a Pipeline's featurizer runs once for both methods."""
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    class VotesAgainstProba(ClassifierMixin, BaseEstimator):
        def fit(self, X, y):
            self.classes_ = np.array(["a", "b"])
            return self

        def predict(self, X):
            return np.full(len(X), "a")

        def predict_proba(self, X):
            return np.tile([0.4, 0.6], (len(X), 1))

    featurized = []
    pipe = Pipeline([("features", FunctionTransformer(lambda X: featurized.append(1) or X)),
                     ("clf", VotesAgainstProba())]).fit([[0], [1]], ["a", "b"])
    featurized.clear()
    r = evaluate_estimator(pipe, [[0], [1], [2]], ["a", "a", "b"])
    assert len(featurized) == 1
    assert r.accuracy == pytest.approx(2 / 3)  # from predict ("a" everywhere)
    assert r.hit_at_k[1] == pytest.approx(1 / 3)  # from the scores ("b" ranked first)


def test_public_figure_helpers_write_a_png_atomically(tmp_path):
    fig, ax = new_figure((3, 2))
    ax.plot([0, 1], [1, 0])
    target = tmp_path / "line.png"
    assert save_figure(fig, target) == target
    assert target.read_bytes()[:4] == b"\x89PNG"
    assert fig.get_size_inches().tolist() == [3.0, 2.0]
    assert not list(tmp_path.glob(".tmp-*"))


def test_bad_parameter_types_are_named():
    with pytest.raises(ValueError, match="'digits' parameter of format_table"):
        format_table([{"a": 1.0}], digits=-1)
    with pytest.raises(ValueError, match="'estimator' parameter of evaluate_estimator"):
        evaluate_estimator(object(), [[0]], ["a"])
    with pytest.raises(ValueError, match="'fig' parameter of save_figure"):
        save_figure("not a figure", "x.png")


# Multi-label: 4 videos, 3 labels (columns 0, 1, 2).
ML_TRUE = [[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]]
ML_SCORE = [[.9, .2, .4], [.3, .8, .85], [.6, .25, .5], [.1, .3, .7]]
# AP by hand, each column ranked by score (+ a true label, - not):
#   label 0: .9+ .6+ .3- .1-          -> (1/1 + 2/2) / 2       = 1
#   label 1: .8+ .3- .25+ .2-         -> (1/1 + 2/3) / 2       = 5/6
#   label 2: .85- .7+ .5- .4+         -> (1/2 + 2/4) / 2       = 1/2
# hit@1: the top label of video 1 (2, at .85) is wrong, the others right -> 3/4; hit@2 -> 1.
# GAP@20 keeps all 3 scores per video; the 12 pooled, ranked: .9+ .85- .8+ .7+ .6+ .5- .4+
#   .3- .3- .25+ .2- .1-, 6 true labels -> (1 + 2/3 + 3/4 + 4/5 + 5/7 + 6/10) / 6.
# Predictions at 0.5: [1,0,0] [0,1,1] [1,0,1] [0,0,1]:
#   label 0: TP 2 FP 0 FN 0 -> F1 1; label 1: TP 1 FN 1 -> P 1 R 1/2 F1 2/3;
#   label 2: TP 1 FP 2 FN 1 -> P 1/3 R 1/2 F1 2/5; micro: TP 4, 6 predicted, 6 true -> 2/3.


def test_multilabel_hand_computed_scores():
    r = evaluate(ML_TRUE, y_score=ML_SCORE, labels=["run", "jump", "swim"], k=(1, 2))
    assert type(r).__name__ == "MultiLabelVideoReport"
    ap = r.average_precision
    assert [ap["run"], ap["jump"], ap["swim"]] == pytest.approx([1, 5 / 6, 1 / 2])
    assert r.mean_average_precision == pytest.approx((1 + 5 / 6 + 1 / 2) / 3)
    assert r.hit_at_k == {1: 0.75, 2: 1.0}
    assert r.global_average_precision == pytest.approx(
        (1 + 2 / 3 + 3 / 4 + 4 / 5 + 5 / 7 + 6 / 10) / 6)
    assert r.y_pred.tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 1], [0, 0, 1]]
    assert r.per_class["jump"] == pytest.approx(
        {"precision": 1, "recall": 0.5, "f1": 2 / 3, "support": 2})
    assert r.per_class["swim"]["precision"] == pytest.approx(1 / 3)
    assert r.per_class["swim"]["f1"] == pytest.approx(2 / 5)
    assert r.f1_macro == pytest.approx((1 + 2 / 3 + 2 / 5) / 3)
    assert r.f1_micro == pytest.approx(2 / 3)
    assert r.subset_accuracy == pytest.approx(1 / 4)


def test_gap_truncates_to_the_top_k_per_video():
    from skvideo_clf.metrics import global_average_precision

    # top-1 per video: .9+ .85- .6+ .7+ -> ranked .9+ .85- .7+ .6+, still over 6 true labels
    assert global_average_precision(ML_TRUE, ML_SCORE, top_k=1) == pytest.approx(
        (1 + 2 / 3 + 3 / 4) / 6)
    assert global_average_precision([[0, 0]], [[.5, .5]]) == 0.0


def test_multilabel_report_tables_and_dict(tmp_path):
    r = evaluate(ML_TRUE, y_score=ML_SCORE, threshold=0.8)
    assert r.y_pred.sum() == 3  # .9, .8 and .85 only
    assert set(r.summary()) == {"subset_accuracy", "f1_micro", "f1_macro", "hit@1", "hit@3",
                                "mAP", "GAP@20"}
    d = json.loads(json.dumps(r.to_dict()))
    assert d["multilabel"] and d["labels"] == ["0", "1", "2"]
    assert d["per_class"]["2"]["average_precision"] == pytest.approx(0.5)
    rows = list(csv.DictReader(io.StringIO(r.to_csv())))
    assert [row["label"] for row in rows] == ["0", "1", "2"]
    assert "## Per label" in r.to_markdown() and "GAP@20" in str(r)
    paths = r.save(tmp_path)
    assert all(os.path.getsize(p) > 0 for p in paths.values())
    assert "precision_recall" in paths


@pytest.mark.parametrize("kwargs, match", [
    (dict(y_score=np.ones((4, 2))), r"y_score has shape \(4, 2\).*multi-label y_true"),
    (dict(y_pred=[0, 1, 1, 0]), r"y_pred has shape \(4,\).*multi-label"),
    (dict(y_score=ML_SCORE, labels=["a", "b"]), "3 columns"),
    (dict(), "y_pred, y_score"),
])
def test_multilabel_bad_shapes_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        evaluate(ML_TRUE, **kwargs)


def test_multilabel_y_true_must_be_an_indicator():
    with pytest.raises(ValueError, match="binary indicator"):
        evaluate([[0, 2], [1, 0]], y_score=np.ones((2, 2)))


def test_evaluate_estimator_multilabel():
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    Y = (X > 0).astype(int)
    clf = OneVsRestClassifier(LogisticRegression()).fit(X, Y)
    r = evaluate_estimator(clf, X, Y)
    assert r.mean_average_precision > 0.95 and r.f1_micro > 0.9


def test_evaluate_estimator_skips_a_sampler_as_predict_does():
    # a sub-pipeline ending in a sampler has no transform: the sampler must be skipped
    from imblearn.over_sampling import RandomOverSampler
    from imblearn.pipeline import Pipeline
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    from skvideo_clf.metrics import evaluate_estimator

    rng = np.random.RandomState(0)
    X = rng.randn(40, 3)
    y = np.array([0] * 30 + [1] * 10)
    X[y == 1] += 2
    pipe = Pipeline([("scale", StandardScaler()), ("over", RandomOverSampler(random_state=0)),
                     ("clf", LogisticRegression())]).fit(X, y)
    report = evaluate_estimator(pipe, X, y)
    assert report.accuracy == pytest.approx(np.mean(pipe.predict(X) == y))


def test_precision_recall_curves_one_per_class_present_with_its_ap():
    from sklearn.metrics import average_precision_score

    labels = ["a", "b", "c", "d"]  # d is never true: no curve
    scores = np.c_[np.asarray(Y_SCORE), np.full(6, 0.05)]
    _, ax = new_figure((4, 3))
    displays = evaluate(Y_TRUE, Y_PRED, y_score=scores, labels=labels).plot_precision_recall(
        ax=ax)
    assert [d.name for d in displays] == ["a", "b", "c"]
    for d, j in zip(displays, range(3)):
        expected = average_precision_score(np.asarray(Y_TRUE) == labels[j], scores[:, j])
        assert d.average_precision == pytest.approx(expected)


def test_multilabel_precision_recall_curves_per_label_carried():
    from sklearn.metrics import average_precision_score

    y_true = np.array([[1, 0, 0], [1, 1, 0], [0, 1, 0], [1, 0, 0]])
    y_score = np.array([[.9, .2, .1], [.6, .7, .3], [.2, .8, .2], [.4, .3, .1]])
    report = evaluate(y_true, y_score > 0.5, y_score=y_score, labels=["x", "y", "z"])
    displays = report.plot_precision_recall(ax=new_figure((4, 3))[1])
    assert [d.name for d in displays] == ["x", "y"]  # z is carried by no video
    assert displays[1].average_precision == pytest.approx(
        average_precision_score(y_true[:, 1], y_score[:, 1]))


def test_tail_recall_is_the_mean_recall_below_the_median_size():
    from skvideo_clf.metrics import tail_classes, tail_recall

    # sizes a:6, b:4, c:2, d:1 -> median 3: c and d are the tail
    y_true = np.array(list("aaaaaabbbbccd"))
    y_pred = np.array(list("aaaaaabbbbcab"))
    assert tail_classes(y_true).tolist() == ["c", "d"]
    assert tail_recall(y_true, y_pred) == pytest.approx((0.5 + 0.0) / 2)
    # the tail decided by the training sizes instead: b and d
    sizes = {"a": 10, "b": 1, "c": 10, "d": 1}
    assert tail_recall(y_true, y_pred, class_sizes=sizes) == pytest.approx((1.0 + 0.0) / 2)
    assert np.isnan(tail_recall(list("aab"), list("aab"), class_sizes={"a": 1, "b": 1}))
    with pytest.raises(ValueError, match="length"):
        tail_recall(y_true, y_pred[:3])
