"""Protocol files: the --show -> --config round trip, config errors, sizes, the wheel."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from skorch.callbacks import Callback

from skvideo_clf.cli import EXIT_OK, EXIT_USAGE, main
from skvideo_clf.cli._common import CLIError
from skvideo_clf.cli._compare import check_inner_cv
from skvideo_clf.protocols import (
    CHANCE_ROW,
    PROTOCOLS,
    ConfigError,
    build_rows,
    get_protocol,
    key_line,
    load_config,
)

ROOT = Path(__file__).resolve().parents[2]


def _plain(value):
    """Parameters comparable with ==: estimators by class and parameters, recursively."""
    if isinstance(value, (BaseEstimator, Callback)):
        return (type(value).__name__, _plain(value.get_params(deep=False)))
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


@pytest.mark.parametrize("size", ["quick", "default", "full"])
@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_show_given_back_to_config_builds_the_same_rows(tmp_path, name, size):
    proto = get_protocol(name)
    path = tmp_path / f"{name}.toml"
    path.write_text(proto.show(size))
    again = load_config(path)
    ours, theirs = build_rows(name, size), build_rows(path, size)
    assert [n for n, _ in ours] == [n for n, _ in theirs]
    for (row, a), (_, b) in zip(ours, theirs, strict=True):
        assert _plain(a) == _plain(b), row
    assert again.baseline == proto.baseline and again.paper == proto.paper
    assert again.imbalance == proto.imbalance and again.metric == proto.metric


def test_compare_show_prints_the_resolved_file_and_exits_0(capsys):
    assert main(["compare", "--protocol", "resbilstm-table1", "--full", "--show"]) == EXIT_OK
    text = capsys.readouterr().out
    assert "lr = 1e-06" in text and "optimizer__weight_decay = 0.0003" in text
    assert "preset =" not in text  # every preset written out
    assert main(["compare", "--protocol", "two-stream-table2", "--quick", "--epochs", "3",
                 "--show"]) == EXIT_OK
    assert "epochs = 3" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["two-stream-table2", "frame-voting-lstm"])
def test_compare_show_with_epochs_is_what_runs_with_epochs(tmp_path, capsys, name):
    # --epochs overrides every network's max_epochs, the presets' (158, 168, 20) included
    from skvideo_clf.protocols._config import Env, build_estimator

    assert main(["compare", "--protocol", name, "--full", "--epochs", "2", "--show"]) == EXIT_OK
    path = tmp_path / f"{name}.toml"
    path.write_text(capsys.readouterr().out)
    proto = get_protocol(name)
    cfg = proto.config("full", epochs=2)
    env = Env(settings=cfg, epochs=2)
    theirs = build_rows(path, "full")
    ours = [(spec["name"], build_estimator(spec, env)) for spec in proto.row_specs("full")]
    for (row, a), (_, b) in zip(ours, theirs, strict=False):
        assert _plain(a) == _plain(b), row
    epochs = [v for _, est in theirs for k, v in _deep_params(est) if k == "max_epochs"]
    assert len(epochs) >= 3 and set(epochs) == {2}


def _deep_params(value):
    """Every ``(name, value)`` parameter of an estimator, its members' and its steps'."""
    if isinstance(value, (BaseEstimator, Callback)):
        for k, v in value.get_params(deep=False).items():
            yield k, v
            yield from _deep_params(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _deep_params(v)


@pytest.mark.parametrize("size", ["--quick", "--full"])
def test_compare_show_of_long_tail_round_trips_its_callbacks_and_batches(tmp_path, capsys,
                                                                         size):
    assert main(["compare", "--protocol", "long-tail", size, "--show"]) == EXIT_OK
    text = capsys.readouterr().out
    assert 'sampler = "bootstrap"' in text and 'callbacks = ["framestack"]' in text
    path = tmp_path / "long-tail.toml"
    path.write_text(text)
    ours, theirs = build_rows("long-tail", size[2:]), build_rows(path, size[2:])
    assert len(ours) == len(theirs) == 12  # 11 methods and the chance row
    for (row, a), (_, b) in zip(ours, theirs, strict=True):
        assert _plain(a) == _plain(b), row


def test_compare_list_names_every_protocol_by_paper_and_table(capsys):
    assert main(["compare", "--list"]) == EXIT_OK
    out = capsys.readouterr().out
    for name, proto in PROTOCOLS.items():
        assert name in out
        assert proto.paper_title is None or f"{proto.paper_title}, {proto.table}" in out
    assert "Modeling Spatial-Temporal Clues in a Hybrid Deep Learning Framework" in out


def test_no_public_name_says_seed():
    for name, proto in PROTOCOLS.items():
        assert "seed" not in name.lower() and "seed" not in proto.title.lower()
        for row in proto.data["rows"]:
            assert "seed" not in row.get("preset", "")


def _params(clf):
    return {k: v for k, v in clf.get_params(deep=True).items() if not k.startswith("estim")}


@pytest.mark.parametrize("size", ["quick", "default"])
def test_regularized_and_plain_fusion_differ_at_reduced_sizes(size):
    rows = dict(build_rows("two-stream-table2", size))
    reg = rows["Regularized fusion network"].named_steps["clf"]
    assert reg.lambda2 > 0 and reg.lambda3 > 0
    plain = rows["Non-regularized fusion network"].named_steps["clf"]
    assert plain.lambda2 == plain.lambda3 == 0.0
    assert plain.max_epochs == reg.max_epochs  # only the regularization differs


#: The regularized fusion row of each protocol that has one, and the class sizes of data
#: it is run on at reduced sizes: the demo's own, and a small skewed folder (5 classes)
_FUSION_ROWS = [("demo", "Regularized fusion network (spatial + motion)", None),
                ("two-stream-table2", "Regularized fusion network", (20, 12, 8, 6, 4))]


@pytest.mark.parametrize("size", ["quick", "default"])
@pytest.mark.parametrize("name, row, sizes", _FUSION_ROWS)
def test_regularized_fusion_rows_learn_and_prune_at_reduced_sizes(name, row, sizes, size):
    # The row, at its size, on features shaped as its training folds (36 motion + 2048
    # spatial columns, standardized): the regularized network learns (at lambdas 1e-2 the
    # prox step emptied the fusion layer and the row answered the majority class: on the
    # demo balanced accuracy 2 / 7, on real footage the chance row's accuracy) and the
    # regularizer acts (it zeroes fusion weights that the plain network, lambdas 0, keeps).
    from sklearn.base import clone
    from sklearn.metrics import balanced_accuracy_score
    from sklearn.preprocessing import StandardScaler

    from skvideo_clf.datasets import disaster_class_sizes

    reg = dict(build_rows(name, size))[row].named_steps["clf"]
    assert 0 < reg.lambda2 and 0 < reg.lambda3
    cfg = get_protocol(name).config(size)
    rng = np.random.RandomState(0)
    sizes = disaster_class_sizes(cfg["scale"]) if sizes is None else sizes
    y = np.repeat(np.arange(len(sizes)), sizes)
    centres = rng.randn(len(sizes), 2084)
    X = (0.6 * centres[y] + rng.randn(len(y), 2084)).astype("float32")
    train = rng.rand(len(y)) < (cfg["folds"] - 1) / cfg["folds"]
    scale = StandardScaler().fit(X[train])
    X = scale.transform(X).astype("float32")
    fitted = clone(reg).fit(X[train], y[train])
    score = balanced_accuracy_score(y[~train], fitted.predict(X[~train]))
    assert score > 0.6  # chance 1 / n_classes
    plain = clone(reg).set_params(lambda2=0.0, lambda3=0.0).fit(X[train], y[train])
    zeros = lambda clf: float((clf.module_.fusion.weight == 0).float().mean())  # noqa: E731
    assert zeros(plain) == 0.0
    assert 0.1 < zeros(fitted) < 0.9


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_rows_the_paper_tells_apart_are_apart_at_every_size(name):
    for size in ("quick", "default", "full"):
        rows = build_rows(name, size, chance=False)
        seen = {}
        for row, est in rows:
            key = repr(_plain(est))
            assert key not in seen, f"{row!r} = {seen.get(key)!r} at {size}"
            seen[key] = row


BAD = [
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\nmax_epochs = 0\n',
     "line 5: rows[0].params.max_epochs: must be at least 1"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\nhidden_sizes = []\n',
     "line 5: rows[0].params.hidden_sizes: an empty list"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\nlr = -1\n',
     "line 5: rows[0].params.lr: bad value -1"),
    (f'[[rows]]\nname = "{"x" * 101}"\nclassifier = "lstm"\n',
     "line 2: rows[0].name: 101 characters; at most 100"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nquick = {params = {max_epochs = 0}}\n',
     "rows[0].quick.params.max_epochs: must be at least 1"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\npreset = "seed000"\n',
     "line 4: rows[0].preset: unknown preset 'seed000'"),
    ('[settings]\nbaseline = "c"\n[[rows]]\nname = "c"\nclassifier = "dummy"\n',
     "line 2: settings.baseline: a chance (dummy) row is a reference"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\ncallbacks = ["FrameStak"]\n',
     "line 5: rows[0].params.callbacks: bad value ['FrameStak'] (unknown callback "
     "'FrameStak'; choose from ['deferredreweighting', 'framestack'"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\ncallbacks = ["framestack"]\n'
     'callbacks__framestack__rate = 0.5\n',
     "line 6: rows[0].params.callbacks__framestack__rate: unknown parameter of FrameStack"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\ncallbacks = ["framestack"]\n'
     'callbacks__framestack__ratio = 2.0\n',
     "line 6: rows[0].params.callbacks__framestack__ratio: bad value 2.0"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\n'
     'callbacks__framestack__ratio = 0.5\n',
     "line 5: rows[0].params.callbacks__framestack__ratio: no callback 'framestack' in this "
     "row's callbacks"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nsampler = "bootstrap"\n'
     'sampler_params = {n_iteration = 2}\n',
     "line 5: rows[0].sampler_params.n_iteration: unknown parameter of BootstrapSampler"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nsampler = "bootstrapped"\n',
     "line 4: rows[0].sampler: unknown value 'bootstrapped'; choose one of ('none', "
     "'oversample', 'bootstrap')"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nwrap = "clip_averaging"\n'
     'wrap_params = {n_clips = 0}\n',
     "line 5: rows[0].wrap_params.n_clips: bad value 0"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nwrap = "clip_averaging"\n'
     'wrap_params = {clips = 3}\n',
     "line 5: rows[0].wrap_params.clips: unknown parameter of ClipAveragingClassifier"),
    ('[[rows]]\nname = "a"\nclassifier = "lstm"\nwrap_params = {n_clips = 3}\n',
     "line 4: rows[0].wrap_params: the row has no 'wrap'"),
]


@pytest.mark.parametrize("body, message", BAD)
def test_config_errors_exit_2_before_any_video_is_read(tmp_path, capsys, body, message):
    path = tmp_path / "grid.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(path)
    # no DATA_DIR exists: the error comes first
    code = main(["compare", str(tmp_path / "nowhere"), "--config", str(path), "-o",
                 str(tmp_path / "r")])
    assert code == EXIT_USAGE
    assert str(path) in capsys.readouterr().err and not (tmp_path / "r").exists()


def test_documented_parameters_are_accepted(tmp_path):
    path = tmp_path / "grid.toml"
    path.write_text('[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\n'
                    'optimizer = "SGD"\noptimizer__weight_decay = 1e-4\n'
                    'optimizer__momentum = 0.9\nloss = "focal"\n' if False else
                    '[[rows]]\nname = "a"\nclassifier = "lstm"\n[rows.params]\n'
                    'optimizer = "SGD"\noptimizer__weight_decay = 1e-4\n'
                    'optimizer__momentum = 0.9\n')
    (name, pipe), _ = build_rows(path, "quick")
    clf = pipe.named_steps["clf"]
    assert clf.optimizer.__name__ == "SGD" and clf.optimizer__weight_decay == 1e-4


def test_long_tail_bootstrap_and_framestack_rows_train_as_the_methods(tmp_path):
    from skvideo_clf.neural import FrameStack
    from skvideo_clf.sampling import BalancedDataLoader

    rows = dict(build_rows("long-tail", "quick"))
    boot = rows["Bootstrapped balanced batches"]
    assert [name for name, _ in boot.steps] == ["features", "clf"]  # batches, not a resample
    assert boot.named_steps["clf"].iterator_train is BalancedDataLoader
    stack = rows["FrameStack"].named_steps["clf"]
    (name, callback), = stack.callbacks
    assert name == "framestack" and isinstance(callback, FrameStack)
    # the rows' classifiers, on feature sequences of a 12:4 problem
    rng = np.random.RandomState(0)
    X = rng.randn(16, 4, 3).astype("float32")
    y = np.array([0] * 12 + [1] * 4)
    clf = boot.named_steps["clf"].set_params(max_epochs=2).fit(X, y)
    sizes = [b["train_batch_size"] for b in clf.history[-1, "batches"]]
    assert sizes == [8] * 3  # 4 negatives + 4 positives, floor(12 / 4) batches per epoch
    clf = stack.set_params(max_epochs=3).fit(X, y)
    assert dict(clf.callbacks_)["framestack"].ratio == 0.5
    assert dict(clf.callbacks_)["framestack"].average_precision_.shape == (2,)


def test_bootstrap_on_a_video_level_classifier_is_a_sampler_step_and_wrap_clip_averaging(
        tmp_path):
    from skvideo_clf.inference import ClipAveragingClassifier
    from skvideo_clf.sampling import BootstrapSampler

    path = tmp_path / "grid.toml"
    path.write_text('[[rows]]\nname = "a"\nclassifier = "logistic"\nsampler = "bootstrap"\n'
                    'sampler_params = {n_iterations = 3}\nwrap = "clip_averaging"\n'
                    'wrap_params = {n_clips = 4, frames_per_clip = 8}\n')
    (name, est), _ = build_rows(path, "quick")
    assert isinstance(est, ClipAveragingClassifier)
    assert (est.n_clips, est.frames_per_clip, est.random_state) == (4, 8, 0)
    sampler = est.estimator.named_steps["resample"]
    assert isinstance(sampler, BootstrapSampler) and sampler.n_iterations == 3
    assert [s for s, _ in est.estimator.steps] == ["resample", "features", "pool", "clf"]


def _class_folder(root, counts):
    """The class folders' names, in the order of ``counts``."""
    from skvideo_clf.datasets import make_video_classification

    make_video_classification(list(counts), n_frames=4, frame_size=(16, 16),
                              clips_per_group=1, output_dir=root, random_state=0)
    sizes = {d.name: len(list(d.iterdir())) for d in Path(root).iterdir()}
    return sorted(sizes, key=lambda c: -sizes[c])


@pytest.mark.parametrize("counts, words", [
    ((4, 1), "has 1 video; 2-fold cross-validation needs at least 2 per class"),
    ((4, 2), "has 2 videos; 3-fold cross-validation needs at least 3 per class: pass "
             "--folds 2"),
])
def test_a_class_smaller_than_the_folds_is_named_before_decoding(tmp_path, capsys, counts,
                                                                 words):
    small = _class_folder(tmp_path / "data", counts)[1]
    folds = ["--folds", "3"] if counts[1] == 2 else []
    code = main(["compare", str(tmp_path / "data"), "--protocol", "two-stream-table2",
                 "--quick", *folds, "-o", str(tmp_path / "r"), "--backbone", "lowlevel:hsv"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    # the class as the user named its folder (not numpy's repr of it)
    assert words in err and f"Class '{small}' under" in err


@pytest.mark.parametrize("counts, words, not_words", [
    # 2 videos a training fold: grid_cv 2 fits
    ((6, 4), "settings.grid_cv (line 3) = 3", "too few"),
    # 1 video a training fold: no grid_cv fits, and the user's value is never the advice
    ((6, 2), "has 1 in a training fold: too few for any inner cross-validation",
     "lower grid_cv"),
])
def test_inner_cv_larger_than_a_training_class_is_a_usage_error(tmp_path, capsys, counts,
                                                                 words, not_words):
    small = _class_folder(tmp_path / "data", counts)[1]
    path = tmp_path / "grid.toml"
    path.write_text('[settings]\nfolds = 2\ngrid_cv = 3\n[[rows]]\nname = "svm"\n'
                    'classifier = "logistic"\n[rows.grid]\nC = [0.1, 1.0]\n')
    code = main(["compare", str(tmp_path / "data"), "--config", str(path), "-o",
                 str(tmp_path / "r"), "--backbone", "lowlevel:hsv"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert words in err and not_words not in err
    if counts[1] == 4:
        assert f"class {small!r} has 2 in a training fold: lower grid_cv to 2" in err
    else:
        assert f"class {small!r} has 1 in a training fold" in err


def test_preflight_lists_every_failing_row_with_the_class_and_its_count(tmp_path, capsys):
    # 2 videos of one class: 1 in each training fold of the quick size's 2 folds
    small = _class_folder(tmp_path / "data", (4, 2))[1]
    code = main(["compare", str(tmp_path / "data"), "--protocol", "two-stream-table2",
                 "--quick", "-o", str(tmp_path / "r"), "--backbone", "lowlevel:hsv"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "6 problems" in err
    for row in ("Spatial SVM", "Motion SVM", "SVM-EF", "SVM-LF", "SVM-MKL"):
        assert f"row {row!r} calibrates" in err
    assert err.count(f"class {small!r} has 1 in a training fold") == 6
    assert "fewer folds" not in err  # 2 folds is the minimum
    line = key_line(PROTOCOLS["two-stream-table2"].text, ("settings", "quick", "grid_cv"))
    assert f"settings.quick.grid_cv (line {line}) = 2" in err and "lower grid_cv" not in err
    # the late-fusion row's members need their probabilities: no probability = false there
    lf = next(line for line in err.splitlines() if "'SVM-LF'" in line)
    assert "probability = false" not in lf and "drop the row with --rows" in lf
    # the baseline always runs: never "drop the row"
    base = next(line for line in err.splitlines() if "'Spatial SVM'" in line)
    assert "--rows" not in base and "set probability = false" in base
    assert not (tmp_path / "r").exists()


def test_rows_left_out_with_rows_are_not_checked(tmp_path, capsys):
    _class_folder(tmp_path / "data", (4, 2))
    # NN-EF (and the baseline, which always runs)
    code = main(["compare", str(tmp_path / "data"), "--protocol", "two-stream-table2",
                 "--quick", "--rows", "6", "-o", str(tmp_path / "r"), "--backbone",
                 "lowlevel:hsv"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "'Spatial SVM'" in err
    assert "Motion SVM" not in err and "SVM-LF" not in err and "grid_cv" not in err


def test_late_fusion_svm_member_without_probabilities_is_refused_before_fitting(tmp_path,
                                                                               capsys):
    _class_folder(tmp_path / "data", (6, 6))
    path = tmp_path / "lf.toml"
    path.write_text('[settings]\nfolds = 2\n[[rows]]\nname = "LF"\nfeatures = "spatial"\n'
                    'classifier = "late_fusion"\nmembers = [{name = "a", classifier = '
                    '"chi2svc", params = {probability = false}}, {name = "b", classifier = '
                    '"logistic"}]\n')
    code = main(["compare", str(tmp_path / "data"), "--config", str(path), "-o",
                 str(tmp_path / "r"), "--backbone", "lowlevel:hsv"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "row 'LF'" in err and "member 'a' sets probability = false" in err
    assert "'b'" not in err and not (tmp_path / "r").exists()


def test_fewer_folds_is_advised_only_above_two_folds():
    proto = get_protocol("two-stream-table2")
    cfg = proto.config("quick")
    y = np.array(["a"] * 6 + ["b"] * 3)
    splits = [(np.r_[0:4, 6], np.r_[4:6, 7:9]), (np.r_[4:6, 7:9], np.r_[0:4, 6])]
    for folds, fewer in ((3, True), (2, False), (None, False)):
        with pytest.raises(CLIError) as info:
            check_inner_cv(proto, cfg, y, splits, {"Motion SVM"}, folds=folds)
        msg = str(info.value)
        assert "class 'b' has 1 in a training fold" in msg and "class 'a'" not in msg
        assert ("use fewer folds (--folds 2)" in msg) == fewer


def test_the_protocol_files_ship_in_the_wheel(tmp_path):
    # built from a copy, so that setuptools' build/ and egg-info stay out of the checkout
    src = tmp_path / "src"
    shutil.copytree(ROOT / "skvideo_clf", src / "skvideo_clf",
                    ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                          "--no-build-isolation", "-w", str(tmp_path), str(src)],
                         capture_output=True, text=True, timeout=600)
    if res.returncode != 0 and "No module named pip" in res.stderr:
        pytest.skip("pip is not available")
    assert res.returncode == 0, res.stderr[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    shipped = {Path(n).stem for n in names if n.startswith("skvideo_clf/protocols/builtin/")
               and n.endswith(".toml")}
    assert shipped == set(PROTOCOLS)
    # installed from the wheel alone, the package finds its protocols
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(target)
    out = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]);"
                          "from skvideo_clf.cli import main; "
                          "sys.exit(main(['compare', '--protocol', 'demo', '--show']))",
                          str(target)], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-2000:]
    assert CHANCE_ROW not in out.stdout and '[[rows]]\nname = "CNN-LSTM"' in out.stdout


def test_the_reproducing_page_holds_the_protocol_files_row_by_row():
    from skvideo_clf.protocols._protocols import reproducing_rst

    page = (ROOT / "docs" / "user_guide" / "reproducing.rst").read_text()
    start, end = ".. protocol-rows-start\n\n", "\n.. protocol-rows-end"
    block = page[page.index(start) + len(start):page.index(end)]
    assert block == reproducing_rst(), (
        "docs/user_guide/reproducing.rst is out of date with the protocol files: paste "
        "skvideo_clf.protocols._protocols.reproducing_rst() between its markers")
    # every row says whether it is the paper's configuration
    for proto in PROTOCOLS.values():
        for row in proto.data["rows"] if proto.paper_title else []:
            assert row.get("note", "").startswith(("as the paper", "not as the paper")), \
                row["name"]
    # no line numbers of the papers' text files, no internal file ids
    line_refs = r"(?<![\w(])\(\d{2,4}(-\d{2,4})?\)|lines? \d{2,4}|shared/seeds|seed ?00\d"
    assert not re.search(line_refs, page)
