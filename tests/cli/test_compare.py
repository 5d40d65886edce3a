"""``skvideo-clf compare``: protocols, the resumable runner, paired comparisons, configs."""

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from skvideo_clf.cli import EXIT_OK, EXIT_USAGE, main
from skvideo_clf.protocols import (
    CHANCE_ROW,
    PROTOCOLS,
    group_splits,
    load_config,
    paired_comparison,
    run_rows,
)
from skvideo_clf.protocols._config import ConfigError, key_line
from skvideo_clf.protocols._runner import row_folder

# a network-free spatial stream: the tests exercise the runner, not InceptionV3
FAST = ["--quick", "--backbone", "lowlevel:hsv", "--epochs", "1", "--device", "cpu",
        "--n-bootstrap", "100"]


@pytest.fixture(scope="module")
def class_folder(tmp_path_factory):
    from skvideo_clf.datasets import make_video_classification

    root = tmp_path_factory.mktemp("classes")
    make_video_classification(4, n_classes=3, n_frames=8, frame_size=(32, 32),
                              clips_per_group=1, output_dir=root, random_state=0)
    return root


# --- fast: the pieces ----------------------------------------------------------------------

def test_every_protocol_builds_fresh_rows_with_its_baseline_first():
    for proto in PROTOCOLS.values():
        rows = proto.rows("quick", backbone="lowlevel:hsv")
        names = [n for n, _ in rows]
        assert names[0] == proto.baseline and len(set(names)) == len(names)
        assert names[-1] == CHANCE_ROW and proto.is_chance(CHANCE_ROW)
        a, b = rows[-2][1](), rows[-2][1]()
        assert a is not b
        assert set(proto.paper) <= set(names)  # paper numbers are keyed by real rows
    assert len(PROTOCOLS["resbilstm-table1"].rows("quick")) == 6 + 1
    assert len(PROTOCOLS["two-stream-table2"].rows("quick")) == 10 + 1


def _fold_result(name, preds, truth="aabbab", labels="ab"):
    """A :func:`run_rows` result of ``preds`` (one string of classes per fold; ``truth``
    one string for every fold, or a list of one per fold)."""
    from skvideo_clf.metrics import evaluate

    truths = [truth] * len(preds) if isinstance(truth, str) else truth
    folds = [{"fold": k + 1, "y_true": list(t), "y_pred": list(p), "labels": list(labels),
              "y_score": [[float(c == lab) for lab in labels] for c in p], "n_train": 12,
              "test": list(range(len(t))), "seconds": 0.0,
              "metrics": evaluate(list(t), list(p), labels=list(labels)).summary()}
             for k, (p, t) in enumerate(zip(preds, truths, strict=True))]
    return {"name": name, "folds": folds, "seconds": 0.0}


def test_identical_verdict_and_marker_only_for_the_same_predictions_on_every_fold():
    from skvideo_clf.cli._compare import build_tables
    from skvideo_clf.protocols import get_protocol

    proto = get_protocol("two-stream-table2")
    # truth "aabbab"
    base = _fold_result("Spatial SVM", ["ababab", "aabbaa", "abbbab"])
    # the same confusion matrix as the baseline on every fold (so the same scores), from
    # other predictions on the first fold
    swapped = _fold_result("Motion SVM", ["baabab", "aabbaa", "abbbab"])
    twin = _fold_result("SVM-EF", ["ababab", "aabbaa", "abbbab"])
    # the same predictions as "Motion SVM" on two folds of three: not the same row
    partly = _fold_result("SVM-LF", ["baabab", "aabbaa", "bbbbab"])
    tables = build_tables(proto, [base, swapped, twin, partly], n_bootstrap=50)
    paired = tables["paired"]
    assert paired["Motion SVM"]["fold_diffs"] == [0.0, 0.0, 0.0]
    assert paired["Motion SVM"]["same_predictions"] is False
    assert paired["Motion SVM"]["verdict"] == "no evidence of a difference"
    assert paired["SVM-EF"]["verdict"] == "identical on every fold"
    assert paired["SVM-LF"]["verdict"] != "identical on every fold"
    models = [line["model"] for line in tables["shown"]]
    assert models[2] == "SVM-EF (same predictions as 'Spatial SVM')"
    assert models[1] == "Motion SVM" and models[3] == "SVM-LF"
    assert "(=" not in tables["text"]


def test_tail_recall_undefined_on_a_fold_is_left_out_and_counted():
    from skvideo_clf.cli._compare import build_tables
    from skvideo_clf.protocols import get_protocol

    proto = get_protocol("long-tail")
    # fold 1: class c is the tail (1 video below the median 2), missed; fold 2: every
    # class the same size, no tail: undefined, not 0
    truth = ["aaabbc", "aabbcc"]
    rows = [_fold_result(proto.baseline, ["aaabba", "aabbcc"], truth, labels="abc"),
            _fold_result("other", ["aaabbc", "aabbca"], truth, labels="abc")]
    tables = build_tables(proto, rows, n_bootstrap=20)
    per_fold = {(r["model"], r["fold"]): r["tail_recall"] for r in tables["per_fold"]}
    assert per_fold[(proto.baseline, 1)] == 0.0 and np.isnan(per_fold[(proto.baseline, 2)])
    assert per_fold[("other", 1)] == 1.0
    cells = [line["tail recall"] for line in tables["shown"]]
    assert cells == ["0.000 (1 of 2 folds)", "1.000 (1 of 2 folds)"]
    assert tables["summary"][0]["tail_recall_n"] == 1
    assert tables["shown"][0]["Acc"].count("±") == 1 and "folds)" not in tables["shown"][0]["Acc"]


def test_every_featurizer_of_a_row_shares_the_one_cache_folder(tmp_path):
    rows = PROTOCOLS["two-stream-table2"].rows("quick", memory=str(tmp_path),
                                               backbone="lowlevel:hsv")
    pipe = dict(rows)["Hybrid (fusion net + spatial & motion LSTMs, CV weights)"]()
    from skvideo_clf.features import BaseFrameTransformer

    featurizers = [v for v in pipe.get_params().values() if isinstance(v, BaseFrameTransformer)]
    assert len(featurizers) == 4  # the fusion net's two streams, and one per LSTM
    assert {f.memory for f in featurizers} == {str(tmp_path)}


def test_group_splits_never_share_a_group_and_cover_every_video():
    y = np.repeat(["a", "b", "c"], 6)
    groups = np.array([f"{c}{i // 2}" for c, i in zip(y, range(18), strict=True)])
    splits = group_splits(y, groups, 3, random_state=0)
    assert len(splits) == 3
    for train, test in splits:
        assert not set(groups[train]) & set(groups[test])
    assert sorted(np.concatenate([te for _, te in splits]).tolist()) == list(range(18))


def _result(preds, truth="aabb"):
    folds = []
    for pred in preds:
        acc = float(np.mean([p == t for p, t in zip(pred, truth, strict=True)]))
        folds.append({"y_true": list(truth), "y_pred": list(pred), "labels": ["a", "b"],
                      "n_train": 3 * len(truth), "test": list(range(len(truth))),
                      "metrics": {"accuracy": acc}})
    return {"folds": folds}


def test_paired_comparison_statistics_corrected_t_and_test_set_interval():
    base = _result(["abab", "abab", "abab"])
    better = _result(["aabb", "aabb", "aaba"])
    cmp = paired_comparison(base, better, n_bootstrap=500)
    assert cmp["fold_diffs"] == [0.5, 0.5, 0.25]
    assert cmp["diff"] == pytest.approx(5 / 12)
    # d = [0.5, 0.5, 0.25]: var 1/48, 12 train / 4 test: t = (5/12) / sqrt(1/48 * (1/3 + 1/3))
    t = (5 / 12) / np.sqrt(1 / 48 * (2 / 3))
    assert cmp["t"] == pytest.approx(t) and cmp["df"] == 2
    from scipy import stats

    assert cmp["p"] == pytest.approx(2 * stats.t.sf(t, 2))
    lo, hi = cmp["test_set_ci"]
    assert lo <= 5 / 12 <= hi
    same = paired_comparison(base, base, n_bootstrap=100)
    assert same["diff"] == 0 and same["p"] == 1.0 and same["test_set_ci"] == [0.0, 0.0]


def test_run_rows_writes_one_file_per_fold_and_resumes(tmp_path):
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b"], 10)
    X = rng.normal(size=(20, 3)) + (y == "b")[:, None] * 3
    splits = [(np.arange(0, 20, 2), np.arange(1, 20, 2)),
              (np.arange(1, 20, 2), np.arange(0, 20, 2))]
    fits = []

    class Counted(LogisticRegression):
        def fit(self, X, y):
            fits.append(1)
            return super().fit(X, y)

    factory = Counted

    first = run_rows([("lr", factory)], X, y, splits, out_dir=tmp_path)
    assert len(fits) == 2 and first[0]["folds"][1]["metrics"]["accuracy"] == 1.0
    assert sorted(os.listdir(tmp_path / "runs" / row_folder("lr"))) == ["fold1.json",
                                                                        "fold2.json"]
    again = run_rows([("lr", factory)], X, y, splits, out_dir=tmp_path)
    assert len(fits) == 2 and all(f["resumed"] for f in again[0]["folds"])
    # another setting is another result: recomputed, not reused
    run_rows([("lr", factory)], X, y, splits, out_dir=tmp_path, context={"epochs": 3})
    assert len(fits) == 4


def test_key_line_finds_keys_of_the_nth_row():
    text = ('[settings]\nfolds = 2\n\n[[rows]]\nname = "a"\nclassifier = "lstm"\n\n'
            '[[rows]]\nname = "b"\nclassifier = "chi2svc"\n[rows.params]\nC = 1\n')
    assert key_line(text, ("settings", "folds")) == 2
    assert key_line(text, ("rows", 0, "classifier")) == 6
    assert key_line(text, ("rows", 1, "classifier")) == 10
    assert key_line(text, ("rows", 1, "params", "C")) == 12


@pytest.mark.parametrize("body, key, line, words", [
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nlayers = 2\n', "rows[0].layers", 4,
     "unknown key"),
    ('[settings]\nfolds = 2\nepochz = 3\n[[rows]]\nname = "a"\nclassifier = "lstm"\n',
     "settings.epochz", 3, "unknown key"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[[rows]]\nname = "b"\n'
     'classifier = "svm9000"\n', "rows[1].classifier", 6, "unknown estimator"),
    ('[[rows]]\nname = "a"\nclassifier = "chi2svc"\n[rows.params]\nC = -1.0\n',
     "rows[0].params.C", 5, "bad value"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\nhidden = 3\n',
     "rows[0].params.hidden", 5, "unknown parameter"),
    ('[settings]\nfolds = "three"\n[[rows]]\nname = "a"\nclassifier = "lstm"\n',
     "settings.folds", 2, "must be a int"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nsampler = "smote"\n', "rows[0].sampler",
     4, "unknown value"),
])
def test_config_errors_exit_2_naming_the_key_and_line(tmp_path, capsys, body, key, line,
                                                      words):
    path = tmp_path / "grid.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=re.escape(f"line {line}: {key}: {words}")):
        load_config(path)
    code = main(["compare", str(tmp_path), "--config", str(path), "-o", str(tmp_path / "r")])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert f"line {line}: {key}" in err


def test_config_file_that_is_not_toml_exits_2(tmp_path, capsys):
    path = tmp_path / "grid.toml"
    path.write_text("[[rows]\nname = \n")
    assert main(["compare", str(tmp_path), "--config", str(path)]) == EXIT_USAGE
    assert "not valid TOML" in capsys.readouterr().err


# --- slow: end to end ----------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("protocol", sorted(PROTOCOLS))
def test_every_protocol_runs_end_to_end(class_folder, tmp_path, capsys, protocol):
    out = tmp_path / "report"
    assert main(["compare", str(class_folder), "--protocol", protocol, "-o", str(out),
                 "--quiet", *FAST]) == EXIT_OK
    printed = capsys.readouterr().out
    proto = PROTOCOLS[protocol]
    assert f"{proto.baseline} (baseline)" in printed and "p Holm" in printed
    for name in ("README.md", "comparison.csv", "per_fold.csv", "comparison.json",
                 "comparison.png"):
        assert (out / name).is_file(), name
    report = json.loads((out / "comparison.json").read_text())
    rows = report["rows"]
    assert [r["model"] for r in rows] == [n for n, _ in proto.rows("quick")]
    assert CHANCE_ROW in printed and f"{CHANCE_ROW} (chance)" not in printed
    assert [r["role"] for r in rows if r["model"] == CHANCE_ROW] == ["chance"]
    for row in rows:
        assert 0 <= row["accuracy_mean"] <= 1
        if proto.metric:
            assert row[f"{proto.metric}_mean"] is not None
    assert set(report["paired"]) == {r["model"] for r in rows} - {proto.baseline}
    n_folds = report["meta"]["n_splits"]
    assert len(list((out / "runs").glob("*/fold*.json"))) == len(rows) * n_folds
    if protocol == "resbilstm-table2":  # imbalanced training sides, untouched test sides
        folds = report["per_fold"]
        assert all(f["n_train"] <= 12 - f["n_test"] for f in folds)


def _cache_entries(folder):
    return {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in Path(folder).rglob("*.npy")}


@pytest.mark.slow
def test_a_killed_compare_resumes_keeping_rows_and_cached_frames(class_folder, tmp_path):
    out = tmp_path / "report"
    cmd = [sys.executable, "-m", "skvideo_clf.cli", "compare", str(class_folder),
           "--protocol", "resbilstm-table1", "-o", str(out), "--quiet", *FAST]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 240
    while not list(out.glob("runs/*/fold*.json")):
        assert proc.poll() is None, "compare ended before writing a row"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    finished = {p: p.read_bytes() for p in out.glob("runs/*/fold*.json")}
    cached = _cache_entries(out / "frame_cache")
    assert finished and cached
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == EXIT_OK, done.stderr
    assert f"{len(finished)} fold results kept" in done.stdout
    for path, data in finished.items():  # finished rows were kept, not recomputed
        assert path.read_bytes() == data
    after = _cache_entries(out / "frame_cache")
    # no cached frame was computed (and so rewritten) again
    assert {p: after[p] for p in cached} == cached
    assert len(list(out.glob("runs/*/fold*.json"))) == (6 + 1) * 2


# --- fit: one row of a comparison ----------------------------------------------------------

FIT_FAST = ["--quick", "--backbone", "lowlevel:hsv", "--epochs", "2", "--device", "cpu",
            "--quiet"]


def _predict_lines(model, videos, capsys):
    capsys.readouterr()  # what fit printed
    assert main(["predict", str(model), *map(str, videos)]) == EXIT_OK
    return capsys.readouterr().out.strip().splitlines()


def test_fit_a_two_stream_protocol_row_saves_a_model_predict_uses(class_folder, tmp_path,
                                                                  capsys):
    from skvideo_clf.features import LowLevelFrameTransformer, OpticalFlowTransformer
    from skvideo_clf.neural import FusionNetClassifier
    from skvideo_clf.persistence import load_model, read_model_header

    model = tmp_path / "fusion.skvc"
    assert main(["fit", str(class_folder), "--protocol", "two-stream-table2", "--row",
                 "regularized fusion network", "-o", str(model), *FIT_FAST]) == EXIT_OK
    header = read_model_header(model)
    assert header["config"]["protocol"] == "two-stream-table2"
    assert header["config"]["row"] == "Regularized fusion network"
    assert header["config"]["input_size"] == 75 and header["config"]["epochs"] == 2
    pipe, _ = load_model(model)
    # the same pipeline compare builds: both streams, then the fusion network
    assert [n for n, _ in pipe.steps] == ["streams", "scale", "clf"]
    union = dict(pipe.named_steps["streams"].transformer_list)
    assert isinstance(union["motion"].named_steps["features"], OpticalFlowTransformer)
    assert isinstance(union["spatial"].named_steps["features"], LowLevelFrameTransformer)
    clf = pipe.named_steps["clf"]
    assert isinstance(clf, FusionNetClassifier) and clf.max_epochs == 2
    videos = sorted(class_folder.rglob("*.avi"))[::4]
    lines = _predict_lines(model, videos, capsys)
    assert [line.split()[0] for line in lines] == [str(v) for v in videos]
    assert all(line.split()[1] in {"grow", "move_left", "move_right"} for line in lines)


def test_fit_a_config_row_with_its_own_backbone(class_folder, tmp_path, capsys):
    from skvideo_clf.features import InceptionFrameTransformer, LowLevelFrameTransformer
    from skvideo_clf.persistence import load_model

    config = tmp_path / "grid.toml"
    config.write_text('[settings]\nbackbone = "inception_v3"\n\n'
                      '[[rows]]\nname = "inception svm"\nclassifier = "chi2svc"\n\n'
                      '[[rows]]\nname = "ycbcr svm"\nbackbone = "lowlevel:ycbcr"\n'
                      'classifier = "chi2svc"\n[rows.params]\nC = 2.0\n')
    settings = load_config(config)
    assert settings.config("quick")["backbone"] == "inception_v3"
    rows = dict(settings.rows("quick"))
    assert isinstance(rows["inception svm"]().named_steps["features"],
                      InceptionFrameTransformer)
    model = tmp_path / "svm.skvc"
    # the row's own backbone wins over the settings' (no network: fast)
    assert main(["fit", str(class_folder), "--config", str(config), "--row", "2", "-o",
                 str(model), "--weights", "none", "--quick", "--device", "cpu",
                 "--quiet"]) == EXIT_OK
    pipe, header = load_model(model)
    assert header["config"]["row"] == "ycbcr svm"
    features = pipe.named_steps["features"]
    assert isinstance(features, LowLevelFrameTransformer)
    assert features.descriptors == ("ycbcr",)
    assert pipe.named_steps["clf"].C == 2.0
    assert len(_predict_lines(model, sorted(class_folder.rglob("*.avi"))[:2], capsys)) == 2


@pytest.mark.parametrize("args, words", [
    (["--row", "SVM-EF"], "--row needs --protocol"),
    (["--protocol", "two-stream-table2"], "need --row"),
    (["--protocol", "two-stream-table2", "--row", "SVM-XX"], "not a row of two-stream-table2"),
    (["--protocol", "two-stream-table2", "--row", "SVM-EF", "--classifier", "lstm"],
     "--classifier: the row defines"),
    (["--quick"], "--full / --quick size a --row"),
])
def test_fit_row_option_errors_exit_2(class_folder, tmp_path, capsys, args, words):
    code = main(["fit", str(class_folder), "-o", str(tmp_path / "m.skvc"), "--backbone",
                 "lowlevel:hsv", *args])
    assert code == EXIT_USAGE
    assert words in capsys.readouterr().err
    assert not (tmp_path / "m.skvc").exists()


def test_config_backbone_errors_name_the_key(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('[[rows]]\nname = "a"\nclassifier = "lstm"\nbackbone = 3\n')
    with pytest.raises(ConfigError, match=re.escape("line 4: rows[0].backbone: must be")):
        load_config(path)
    path.write_text('[settings]\nbackbone = ""\n[[rows]]\nname = "a"\nclassifier = "lstm"\n')
    with pytest.raises(ConfigError, match=re.escape("line 2: settings.backbone")):
        load_config(path)


# --- the low-complexity RNN paper's class transfer ----------------------------------------

def test_head_transfer_trains_on_source_classes_then_scores_every_class():
    from skvideo_clf.neural import LSTMClassifier
    from skvideo_clf.protocols._transfer import HeadTransferClassifier, source_classes

    assert source_classes(list("abcdefghij")).tolist() == list("abcde")  # 5 of 10
    assert source_classes(list("abc")).tolist() == ["a", "b"]
    with pytest.raises(ValueError, match="at least 3 classes"):
        source_classes(["a", "b"])
    rng = np.random.RandomState(0)
    X = rng.randn(40, 3, 2).astype("float32")
    y = np.repeat(list("abcd"), 10)
    clf = HeadTransferClassifier(LSTMClassifier(max_epochs=2, random_state=0),
                                 head_epochs=1).fit(X, y)
    assert clf.source_classes_.tolist() == ["a", "b"]
    assert clf.classes_.tolist() == list("abcd")
    proba = clf.predict_proba(X)
    assert proba.shape == (40, 4) and np.allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert set(clf.predict(X)) <= set("abcd")


@pytest.mark.slow
def test_class_transfer_runs_on_four_classes(tmp_path, capsys):
    from skvideo_clf.datasets import make_video_classification

    root = tmp_path / "four"
    make_video_classification(4, n_classes=4, n_frames=8, frame_size=(32, 32),
                              clips_per_group=1, output_dir=root, random_state=0)
    out = tmp_path / "report"
    assert main(["compare", str(root), "--protocol", "rnn-youtube8m-transfer", "-o", str(out),
                 "--quiet", *FAST]) == EXIT_OK
    report = json.loads((out / "comparison.json").read_text())
    assert len(report["rows"]) == 3 + 1 and len(report["paired"]) == 3
    for fold in report["per_fold"]:  # every row scores all four classes
        assert fold["hit@1"] is not None
    record = json.loads(next((out / "runs").glob("transfer_head_refit_on_the_new*/"
                                                 "fold1.json")).read_text())
    assert record["labels"] == sorted(set(record["y_true"]) | set(record["labels"]))
    assert len(record["y_score"][0]) == 4


# --- statistics, repeats and exact resume through the command ------------------------------

TWO_ROWS = ["--protocol", "two-stream-table2", "--rows", "1,2"]


def test_compare_repeats_and_statistics_columns(class_folder, tmp_path, capsys):
    out = tmp_path / "report"
    assert main(["compare", str(class_folder), *TWO_ROWS, "--repeats", "2", "-o", str(out),
                 "--quiet", *FAST]) == EXIT_OK
    printed = capsys.readouterr().out
    header = next(line for line in printed.splitlines() if line.startswith("model"))
    for column in ("Δ Acc", " t ", " p ", "p Holm", "verdict"):
        assert column in header
    assert "beyond noise" not in printed and "95% CI" not in printed
    report = json.loads((out / "comparison.json").read_text())
    # quick: 2 folds, twice, on two different partitions of the gY groups
    assert report["meta"]["n_splits"] == 4 and "2 repeats" in report["meta"]["splits"]
    n_rows = len(report["rows"])  # the two asked for, and the chance row
    assert n_rows == 3 and len(list((out / "runs").glob("*/fold*.json"))) == n_rows * 4
    first = sorted((out / "runs").glob("*/fold*.json"))[0].parent
    tests = [json.loads((first / f"fold{k}.json").read_text())["test"] for k in (1, 2, 3, 4)]
    row_names = [json.loads((first / "fold1.json").read_text())["row"]]
    assert sorted(tests[0] + tests[1]) == sorted(tests[2] + tests[3])
    assert sorted(map(sorted, tests[:2])) != sorted(map(sorted, tests[2:]))
    tested = [c for c in report["paired"].values() if not c["verdict"].startswith("reference")]
    (cmp,) = tested  # the chance row is reported, not tested
    assert cmp["df"] == 3 and len(cmp["fold_diffs"]) == 4
    assert cmp["p_holm"] == cmp["p"]  # one row tested: Holm changes nothing
    row = next(r for r in report["rows"] if r.get("verdict") == cmp["verdict"])
    assert {"t", "p", "p_holm", "test_set_ci_low", "test_set_ci_high"} <= set(row)
    readme = (out / "README.md").read_text()
    assert "Nadeau and Bengio" in readme and "test-set sampling only" in readme
    # per_fold.csv: the folds numbered within their repeat, repeat 2 being fold files 3, 4
    with open(out / "per_fold.csv", newline="") as f:
        per_fold = list(csv.DictReader(f))
    assert list(per_fold[0])[:3] == ["model", "repeat", "fold"]
    for name in {r["model"] for r in per_fold}:
        keys = [(r["repeat"], r["fold"]) for r in per_fold if r["model"] == name]
        assert keys == [("1", "1"), ("1", "2"), ("2", "1"), ("2", "2")]
    sizes = [int(r["n_test"]) for r in per_fold if r["model"] == row_names[0]]
    assert sizes == [len(t) for t in tests]
    assert [(r["repeat"], r["fold"]) for r in report["per_fold"]][:4] == [
        (1, 1), (1, 2), (2, 1), (2, 2)]


def test_compare_repeats_with_official_splits_is_a_usage_error(class_folder, tmp_path, capsys):
    assert main(["compare", str(class_folder), *TWO_ROWS, "--repeats", "2",
                 "--split-dir", str(tmp_path), "-o", str(tmp_path / "r"), "--quiet",
                 *FAST]) == EXIT_USAGE
    assert "--repeats" in capsys.readouterr().err


def test_compare_resume_recomputes_a_null_fold_file_with_a_warning(class_folder, tmp_path,
                                                                     capsys):
    out = tmp_path / "report"
    args = ["compare", str(class_folder), *TWO_ROWS, "-o", str(out), "--quiet", *FAST]
    assert main(args) == EXIT_OK
    files = sorted((out / "runs").glob("*/fold*.json"))
    assert len(files) == 3 * 2  # two rows and the chance row, 2 folds
    files[0].write_text("null")
    capsys.readouterr()
    with pytest.warns(UserWarning, match=re.escape(str(files[0]))):
        assert main(args) == EXIT_OK
    assert "5 fold results kept" in capsys.readouterr().out
    assert isinstance(json.loads(files[0].read_text()), dict)


# --- warnings of the fits: off the progress bar, said once after it ------------------------

class _WarnsInFit(LogisticRegression):
    """Warns on every fit, and once more on the first fold's (fewer than 5 of class 'a')."""

    def fit(self, X, y):
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        warnings.warn("did not converge in 50 iterations", ConvergenceWarning, stacklevel=1)
        if np.sum(y == "a") < 5:
            warnings.warn("a small fold", UserWarning, stacklevel=1)
        return super().fit(X, y)


def test_warnings_of_a_row_are_held_off_the_bar_and_said_once_naming_rows_and_folds(capsys):
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    from skvideo_clf.cli._common import progress
    from skvideo_clf.cli._compare import FoldWarnings, warn_per_row

    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b"], 9)
    X = rng.normal(size=(18, 2)) + (y == "b")[:, None] * 3
    # the first fold trains on 4 videos of 'a', the others on 6
    splits = [(np.r_[0:4, 9:15], np.r_[4:9, 15:18]), (np.r_[0:6, 9:15], np.r_[6:9, 15:18]),
              (np.r_[3:9, 12:18], np.r_[0:3, 9:12])]
    rows = [("warns", _WarnsInFit), ("silent", LogisticRegression), ("warns too", _WarnsInFit)]
    bar = progress(total=9, enabled=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        folds = FoldWarnings(bar, caught)
        results = run_rows(rows, X, y, splits, out_dir=None, progress=folds)
    bar.close()
    assert capsys.readouterr().err.count("did not converge") == 0  # nothing in the bar
    assert [len(f) for f in folds.per_fold()] == [2, 1, 1, 0, 0, 0, 2, 1, 1]
    with pytest.warns(Warning) as said:
        warn_per_row(results, folds.per_fold())
    assert [(w.category, str(w.message)) for w in said] == [
        (ConvergenceWarning, "warns (3 of 3 folds), warns too (3 of 3 folds): did not "
                             "converge in 50 iterations"),
        (UserWarning, "warns (1 of 3 folds), warns too (1 of 3 folds): a small fold")]
    assert said[0].filename == __file__  # where it was raised


def test_compare_says_an_mlp_convergence_warning_once_after_the_bar(class_folder, tmp_path):
    from sklearn.exceptions import ConvergenceWarning

    config = tmp_path / "mlp.toml"
    config.write_text('[[rows]]\nname = "MLP"\nclassifier = "mlp"\n'
                      '[rows.params]\nmax_iter = 1\n\n'
                      '[[rows]]\nname = "logistic"\nclassifier = "logistic"\n')
    with pytest.warns(ConvergenceWarning) as said:
        assert main(["compare", str(class_folder), "--config", str(config), "-o",
                     str(tmp_path / "r"), "--quiet", *FAST]) == EXIT_OK
    converge = [str(w.message) for w in said if w.category is ConvergenceWarning]
    assert len(converge) == 1 and converge[0].startswith("MLP (3 of 3 folds): ")
    assert "Maximum iterations (1) reached" in converge[0]


def test_a_weights_file_replaced_under_its_path_is_other_weights(tmp_path):
    from skvideo_clf.cli._compare import weights_identity

    path = tmp_path / "inception.pt"
    path.write_bytes(b"first weights")
    for mode in ("stat", "sample", "full"):
        before = weights_identity(path, mode)
        path.write_bytes(b"other weights")  # the same path and size, other content
        os.utime(path, ns=(1, 1 if mode != "stat" else 2))
        assert weights_identity(path, mode) != before, mode
        path.write_bytes(b"first weights")
    assert weights_identity(None) is None and weights_identity("auto") == "auto"


_MOTION_CONFIG = """[settings]
folds = 2
sequence_length = 4
flow = {n_stack = 2, flow_size = 64}
motion = {classifier = "motion_cnn"}
[[rows]]
name = "motion svm"
features = "motion"
classifier = "chi2svc"
"""


def test_flow_stacks_larger_than_the_memory_are_refused_before_decoding(
        class_folder, tmp_path, capsys, monkeypatch):
    from skvideo_clf.cli import _compare

    config = tmp_path / "motion.toml"
    config.write_text(_MOTION_CONFIG)
    # 4 stacks of 2 x 2 flows of 64 x 64 float32: 256 KiB a video, 6 training videos
    monkeypatch.setattr(_compare, "available_memory", lambda: 1 << 20)
    out = tmp_path / "r"
    code = main(["compare", str(class_folder), "--config", str(config), "-o", str(out),
                 "--quiet", "--backbone", "lowlevel:hsv"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "6 videos x 4 stacks of 4 x 64 x 64 float32 = 1.5 MiB, more than the 1.0 MiB" in err
    assert "--sequence-length" in err and 'motion = "histogram"' in err
    assert not (out / "frame_cache").exists()  # nothing decoded


def test_the_memory_check_counts_only_rows_that_read_the_motion_network(tmp_path,
                                                                       monkeypatch):
    from skvideo_clf.cli import _compare
    from skvideo_clf.cli._common import CLIError

    config = tmp_path / "motion.toml"
    config.write_text(_MOTION_CONFIG + '[[rows]]\nname = "spatial"\nclassifier = "chi2svc"\n')
    proto = load_config(config)
    cfg = proto.config("default")
    splits = [(np.arange(8), np.arange(8, 12))]
    monkeypatch.setattr(_compare, "available_memory", lambda: 8 * 256 * 1024)  # fits
    _compare.check_memory(proto, cfg, splits)
    monkeypatch.setattr(_compare, "available_memory", lambda: 8 * 256 * 1024 - 1)
    with pytest.raises(CLIError):
        _compare.check_memory(proto, cfg, splits)
    _compare.check_memory(proto, cfg, splits, names={"spatial"})  # no motion row runs
    monkeypatch.setattr(_compare, "available_memory", lambda: None)  # unknown: no check
    _compare.check_memory(proto, cfg, splits)
