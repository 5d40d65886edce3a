"""Faults a user meets outside the happy path (issue 15): nothing lost, nothing silently wrong.

Interrupts, damaged or foreign model files, the frame cache's identity limits, full and
read-only disks, errors that used to come after all the work. Each test reproduces one
fault with tiny inputs; ``test_bad_input.BAD_INPUT_KINDS`` counts them.
"""

import csv
import errno
import json
import os
import re
import shutil
import signal
import warnings

import numpy as np
import pytest
from imblearn.pipeline import Pipeline
from sklearn.linear_model import LogisticRegression

import skvideo_clf
from skvideo_clf.cli import EXIT_DATA, EXIT_MODEL, EXIT_USAGE, main
from skvideo_clf.datasets import load_extracted, load_video_folder
from skvideo_clf.features import (
    FrameMemory,
    FunctionFrameTransformer,
    InceptionFrameTransformer,
    TemporalPooling,
)
from skvideo_clf.features import _cache as cache_mod
from skvideo_clf.persistence import MODEL_MAGIC, ModelFileError, load_model, save_model
from skvideo_clf.video import source_fingerprint, write_video

pytestmark = pytest.mark.timeout(120)


def pixel_mean(frames):
    return frames.reshape(len(frames), -1, 3).mean(1)


def _clip(path, n=4, level=0, size=16):
    return write_video(path, [np.full((size, size, 3), (level + 40 * i) % 256, np.uint8)
                              for i in range(n)])


@pytest.fixture
def folder(tmp_path):
    """Two classes, two videos each."""
    root = tmp_path / "data"
    for c, cls in enumerate(("a", "b")):
        (root / cls).mkdir(parents=True)
        for k in range(2):
            _clip(root / cls / f"v_{cls}_g0{k + 1}_c01.avi", level=100 * c + 10 * k)
    return root


def _cheap_pipeline(memory=None):
    return Pipeline([("features", FunctionFrameTransformer(pixel_mean, sequence_length=3,
                                                           memory=memory)),
                     ("pool", TemporalPooling("mean")),
                     ("clf", LogisticRegression())])


@pytest.fixture
def cheap_model(folder, tmp_path):
    videos, y = load_video_folder(folder)
    return save_model(tmp_path / "m.skvc", _cheap_pipeline().fit(videos, y)), videos


# --------------------------------------------------------------------- model files (2, 6, 7)
def test_flipped_bit_in_a_model_file_is_refused(cheap_model, tmp_path, capsys):
    path, videos = cheap_model
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0x01  # one bit in the middle of the payload
    bad = tmp_path / "flipped.skvc"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelFileError, match="digest"):
        load_model(bad)
    assert main(["predict", str(bad), str(videos[0])]) == EXIT_MODEL
    assert "flipped.skvc" in capsys.readouterr().err
    load_model(path)  # the intact file still loads


def test_header_without_version_names_no_version_to_install(tmp_path):
    path = tmp_path / "old.skvc"
    path.write_bytes(MODEL_MAGIC + json.dumps({"classes": ["a"]}).encode() + b"\n" + b"x")
    with pytest.raises(ModelFileError) as exc:
        load_model(path)
    assert "==None" not in str(exc.value) and "does not record" in str(exc.value)


@pytest.mark.parametrize("what", ["not an estimator", "unfitted pipeline"])
def test_a_model_file_that_holds_no_fitted_pipeline_is_exit_4(what, folder, tmp_path, capsys):
    obj = {"weights": [1, 2]} if what == "not an estimator" else _cheap_pipeline()
    path = save_model(tmp_path / "odd.skvc", obj)
    video = next(folder.rglob("*.avi"))
    assert main(["predict", path, str(video)]) == EXIT_MODEL
    assert "fitted" in capsys.readouterr().err


def _as_fitted_on_cuda(half=False):
    """A fitted featurizer made to look fitted on a GPU machine, its video and features."""
    import copy

    video = np.random.default_rng(0).integers(0, 256, (3, 16, 16, 3), dtype=np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random weights: tests only
        feats = InceptionFrameTransformer(weights=None, input_size=75, sequence_length=2,
                                          random_state=0).fit([video])
    expected = feats.transform([video])
    if half:  # a copy: the fitted network is shared read-only
        feats.backbone_.module = feats.module_ = copy.deepcopy(feats.module_).half()
        feats.half = feats.half_ = True
    feats.device_ = "cuda"
    # what n_jobs workers rebuild follows device_ and half_: nothing else to set
    return feats, video, expected


def test_a_cuda_fitted_featurizer_loads_on_a_cpu_machine(tmp_path):
    feats, video, expected = _as_fitted_on_cuda()
    path = save_model(tmp_path / "gpu.skvc", feats)
    with pytest.warns(UserWarning, match="CUDA"):
        loaded, _ = load_model(path)
    assert loaded.device_ == "cpu"
    np.testing.assert_allclose(loaded.transform([video]), expected, rtol=1e-5, atol=1e-6)


def test_a_float16_cuda_featurizer_runs_in_float32_on_a_cpu_machine(tmp_path):
    feats, video, expected = _as_fitted_on_cuda(half=True)
    path = save_model(tmp_path / "gpu_half.skvc", feats)
    with pytest.warns(UserWarning, match="float16 -> float32"):
        loaded, _ = load_model(path)
    # the precision it runs in changes, not the hyperparameter it was fitted with
    assert (loaded.device_, loaded.half_, loaded.half) == ("cpu", False, True)
    assert str(next(loaded.module_.parameters()).dtype) == "torch.float32"
    got = loaded.transform([video])
    # the weights went through float16 once: equal up to its rounding
    assert np.linalg.norm(got - expected) / np.linalg.norm(expected) < 1e-2


# --------------------------------------------------------------------- the frame cache (3, 5)
def test_fingerprint_modes_see_a_same_size_file_with_its_mtime_restored(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"A" * 3_000_000)
    st = os.stat(path)
    before = {m: source_fingerprint(path, mode=m) for m in ("stat", "sample", "full")}
    data = bytearray(b"A" * 3_000_000)
    data[-10] = ord("B")  # within the last megabyte
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # what cp -p / rsync -t do
    after = {m: source_fingerprint(path, mode=m) for m in ("stat", "sample", "full")}
    assert before["stat"] == after["stat"]  # the documented limit of "stat"
    assert before["sample"] != after["sample"] and before["full"] != after["full"]
    data[1_500_000] = ord("C")  # the middle: only "full" reads it
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    again = {m: source_fingerprint(path, mode=m) for m in ("sample", "full")}
    assert again["sample"] == after["sample"] and again["full"] != after["full"]
    with pytest.raises(ValueError, match="fingerprint"):
        source_fingerprint(path, mode="md5")


def test_content_fingerprint_featurizer_recomputes_a_replaced_file(tmp_path):
    a, b = _clip(tmp_path / "a.avi", level=0), _clip(tmp_path / "b.avi", level=120)
    size = max(os.path.getsize(a), os.path.getsize(b))
    for p in (a, b):  # pad to one size: AVI readers ignore trailing bytes
        with open(p, "ab") as f:
            f.write(b"\0" * (size - os.path.getsize(p)))
    target = tmp_path / "v.avi"
    shutil.copy2(a, target)
    st = os.stat(target)
    memory = FrameMemory(str(tmp_path / "cache"), fingerprint="sample")
    feats = FunctionFrameTransformer(pixel_mean, sequence_length=2, memory=memory)
    first = feats.fit_transform([str(target)])
    shutil.copyfile(b, target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(target).st_size == st.st_size
    second = feats.transform([str(target)])
    assert feats.n_frames_computed_ == 4  # recomputed, not read back
    assert not np.allclose(first, second)


def test_cache_entry_copied_over_another_is_refused(tmp_path):
    cache = cache_mod.FrameCache(str(tmp_path), {"featurizer": "demo"})
    cache.put("aa11", np.zeros(3))
    cache.put("aa22", np.ones(3))
    shutil.copyfile(cache.path("aa11"), cache.path("aa22"))
    with pytest.warns(UserWarning, match="another entry"):
        assert cache.get("aa22") is None
    assert cache.get("aa11").tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS])
def test_full_or_read_only_cache_warns_once_and_carries_on(code, tmp_path, monkeypatch):
    from skvideo_clf.utils import _io

    videos = [_clip(tmp_path / f"v{i}.avi", level=30 * i) for i in range(3)]
    expected = FunctionFrameTransformer(pixel_mean, sequence_length=2).fit_transform(videos)

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    # ENOSPC surfaces when the entry is moved in place, EROFS when its file is created
    if code == errno.ENOSPC:
        monkeypatch.setattr(_io.os, "replace", refuse)
    else:
        monkeypatch.setattr(_io.tempfile, "mkstemp", refuse)
    cache_dir = tmp_path / "cache"
    feats = FunctionFrameTransformer(pixel_mean, sequence_length=2, memory=str(cache_dir))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = feats.fit_transform(videos)
        feats.transform(videos)
    np.testing.assert_allclose(got, expected)
    notes = [w for w in caught if "cache" in str(w.message)]
    assert len(notes) == 1, [str(w.message) for w in caught]
    assert str(cache_dir) in str(notes[0].message)
    assert os.strerror(code) in str(notes[0].message)


# --------------------------------------------------------------------- the command line (5, 6, 7)
@pytest.fixture
def cheap_cli(monkeypatch):
    """``fit`` builds the cheap pipeline: these tests are about what surrounds training."""
    from skvideo_clf.cli import _model_commands

    built = []

    def build(args, *, weights, verbose=0):
        built.append(args)
        return _cheap_pipeline()

    monkeypatch.setattr(_model_commands, "build_pipeline", build)
    return built


def test_full_disk_at_the_model_path_is_exit_3_naming_it(folder, tmp_path, cheap_cli,
                                                         monkeypatch, capsys):
    from skvideo_clf.utils import _io

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(_io.os, "replace", full)
    out = tmp_path / "models" / "m.skvc"
    assert main(["fit", str(folder), "-o", str(out), "--weights", "none"]) == EXIT_DATA
    err = capsys.readouterr().err
    assert str(out) in err and "No space left" in err and ".part" not in err
    assert not out.exists() and not list(out.parent.glob(".tmp-*"))


def test_output_path_is_checked_before_any_video_is_read(folder, tmp_path, cheap_cli, capsys):
    assert main(["fit", str(folder), "-o", str(tmp_path), "--weights", "none"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "folder" in err and ".part" not in err
    (tmp_path / "notes.txt").write_text("a file")
    under_file = tmp_path / "notes.txt" / "sub" / "m.skvc"
    assert main(["fit", str(folder), "-o", str(under_file), "--weights", "none"]) == EXIT_USAGE
    assert "notes.txt' is a file" in capsys.readouterr().err
    assert cheap_cli == []  # nothing was built, so nothing was decoded
    video = next(folder.rglob("*.avi"))
    assert main(["predict", "m.skvc", str(video), "-o", str(tmp_path)]) == EXIT_USAGE


@pytest.mark.parametrize("y", [["a", None, "b", "a"], ["a", 1, "b", 1]])
def test_bad_labels_are_refused_before_any_frame_is_computed(y, tmp_path):
    calls = []

    def counting(frames):
        calls.append(len(frames))
        return pixel_mean(frames)

    videos = [_clip(tmp_path / f"v{i}.avi", level=20 * i) for i in range(4)]
    pipe = Pipeline([("features", FunctionFrameTransformer(counting, sequence_length=2)),
                     ("pool", TemporalPooling("mean")), ("clf", LogisticRegression())])
    with pytest.raises(ValueError, match="None" if None in y else "mix"):
        pipe.fit(videos, y)
    assert calls == []


def test_predict_prints_the_good_videos_and_reports_the_bad(cheap_model, tmp_path, capsys):
    path, videos = cheap_model
    bad = tmp_path / "broken.avi"
    bad.write_bytes(b"not a video" * 100)
    asked = [str(videos[0]), str(bad), str(videos[-1])]
    out = tmp_path / "pred.csv"
    assert main(["predict", path, *asked, "-o", str(out), "--quiet"]) == EXIT_DATA
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert [line.split()[0] for line in lines] == [asked[0], asked[2]]
    assert "broken.avi" in captured.err and "1 of 3" in captured.err
    with open(out, newline="") as f:
        assert [r["video"] for r in csv.DictReader(f)] == [asked[0], asked[2]]


def test_device_cuda_without_a_gpu_is_a_usage_error(folder, monkeypatch, capsys):
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert main(["fit", str(folder), "--device", "cuda", "--weights", "none"]) == EXIT_USAGE
    assert "cuda" in capsys.readouterr().err.lower()


# --------------------------------------------------------------------- datasets (7)
def test_macos_sidecar_files_are_not_videos(folder):
    (folder / "a" / "._v_a_g01_c01.avi").write_bytes(b"\x00\x05\x16\x07AppleDouble")
    videos, _ = load_video_folder(folder)
    assert len(videos) == 4 and not any(os.path.basename(v).startswith("._") for v in videos)


def test_load_extracted_after_a_partial_extract_names_what_is_missing(tmp_path):
    out = tmp_path / "feats"
    (out / "a").mkdir(parents=True)
    np.savez(out / "a" / "v1.npz", features=np.zeros((2, 3), np.float32))
    (out / "extract.json").write_text("{}")
    with pytest.raises(FileNotFoundError) as exc:
        load_extracted(out)
    msg = str(exc.value)
    assert "did not finish" in msg and "1 video" in msg and "run extract first" not in msg
    with open(out / "index.csv", "w", newline="") as f:
        csv.writer(f).writerows([["video", "label", "group", "features"],
                                 ["v1.avi", "a", "g1", "a/v1.npz"],
                                 ["v2.avi", "a", "g2", "a/v2.npz"]])
    with pytest.raises(FileNotFoundError, match=r"v2\.npz"):
        load_extracted(out)


# --------------------------------------------------------------------- interrupts (7, 1)
def test_interrupt_log_counts_the_frames_actually_computed(tmp_path, capsys):
    calls = []

    def interrupted(frames):
        if calls:
            raise KeyboardInterrupt
        calls.append(len(frames))
        return pixel_mean(frames)

    videos = [_clip(tmp_path / f"v{i}.avi", level=20 * i) for i in range(3)]
    feats = FunctionFrameTransformer(interrupted, sequence_length=2, verbose=1)
    with pytest.raises(KeyboardInterrupt):
        feats.fit_transform(videos)
    out = capsys.readouterr().out
    assert "interrupted after 2 of 6 frames" in out
    assert "] 6 frames in" not in out


def test_version_is_recorded(cheap_model):
    from skvideo_clf.persistence import read_model_header

    header = read_model_header(cheap_model[0])
    assert header["skvideo_clf_version"] == skvideo_clf.__version__
    assert len(header["payload_blake2b"]) == 64


@pytest.fixture
def python_sigint():
    """Python's own SIGINT handler, whatever an earlier test or plugin left installed (an
    ignored SIGINT would make the Ctrl-C below a no-op and the fit run to its end)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


class _CtrlCAt:
    """A skorch callback that presses Ctrl-C at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch

    def initialize(self):
        return self

    def get_params(self, deep=True):
        return {"epoch": self.epoch}

    def set_params(self, **params):
        vars(self).update(params)
        return self

    def on_epoch_end(self, net, **kwargs):
        if len(net.history) == self.epoch:  # a real SIGINT: skorch's own stops raise too
            os.kill(os.getpid(), signal.SIGINT)


def _noop(*args, **kwargs):
    pass


for _hook in ("on_train_begin", "on_train_end", "on_epoch_begin", "on_batch_begin",
              "on_batch_end", "on_grad_computed"):
    setattr(_CtrlCAt, _hook, _noop)


@pytest.mark.parametrize("on_interrupt", ["raise", "stop"])
def test_ctrl_c_during_training_aborts_unless_asked_to_stop(on_interrupt, python_sigint):
    from skvideo_clf.neural import LSTMClassifier

    X = np.random.default_rng(0).random((8, 3, 4)).astype(np.float32)
    y = np.array(["a", "b"] * 4)
    clf = LSTMClassifier(hidden_sizes=(4,), max_epochs=1000, on_interrupt=on_interrupt,
                         callbacks=[("ctrl_c", _CtrlCAt(2))], random_state=0)
    if on_interrupt == "raise":
        with pytest.raises(KeyboardInterrupt):
            clf.fit(X, y)
    else:  # skorch's stop-and-keep, as an explicit opt-in
        assert clf.fit(X, y) is clf and len(clf.history_) == 2


def test_ctrl_c_during_fit_command_exits_130_and_writes_nothing(folder, tmp_path, monkeypatch,
                                                                capsys, python_sigint):
    from skvideo_clf.cli import EXIT_INTERRUPTED, _model_commands
    from skvideo_clf.neural import LSTMClassifier

    def build(args, *, weights, verbose=0):
        return Pipeline([("features", FunctionFrameTransformer(pixel_mean, sequence_length=3)),
                         ("clf", LSTMClassifier(hidden_sizes=(4,), max_epochs=5000,
                                                callbacks=[("ctrl_c", _CtrlCAt(3))]))])

    monkeypatch.setattr(_model_commands, "build_pipeline", build)
    out = tmp_path / "m.skvc"
    out.write_bytes(b"the previous model")
    assert main(["fit", str(folder), "-o", str(out), "--weights", "none"]) == EXIT_INTERRUPTED
    captured = capsys.readouterr()
    assert "interrupted" in captured.err and "Saved" not in captured.out
    assert out.read_bytes() == b"the previous model"


# ===================================================================== issue 24
# --------------------------------------------------------------------- -o naming an input (1)
def _same_bytes(path, before):
    return open(path, "rb").read() == before


def test_predict_output_naming_an_input_is_refused(cheap_model, tmp_path, monkeypatch, capsys):
    from skvideo_clf.cli import _model_commands

    path, videos = cheap_model
    opened = []
    monkeypatch.setattr(_model_commands, "open_model", lambda *a, **k: opened.append(a))
    video, model_bytes = videos[0], open(path, "rb").read()
    video_bytes = open(video, "rb").read()
    link = tmp_path / "link.csv"
    link.symlink_to(video)  # a second name of the video: compared resolved
    for out, what in ((video, "a video"), (path, "the model"), (link, "a video")):
        assert main(["predict", path, str(video), "-o", str(out)]) == EXIT_USAGE
        err = capsys.readouterr().err
        assert what in err and repr(os.path.realpath(out)) in err
    assert opened == []  # refused before the model was loaded
    assert _same_bytes(video, video_bytes) and _same_bytes(path, model_bytes)


def test_fit_output_naming_a_training_video_is_refused(folder, cheap_cli, capsys):
    video = sorted(folder.rglob("*.avi"))[-1]
    before = open(video, "rb").read()
    assert main(["fit", str(folder), "-o", str(video), "--weights", "none"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "a video of the input" in err and repr(str(video.resolve())) in err
    assert cheap_cli == [] and _same_bytes(video, before)


def test_evaluate_report_dir_clashing_with_an_input_is_refused(cheap_model, folder, tmp_path,
                                                               capsys):
    path, _ = cheap_model
    inside = folder / "report"  # would become a class folder of the dataset
    assert main(["evaluate", path, str(folder), "--report-dir", str(inside)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "the dataset folder" in err and repr(str(folder.resolve())) in err
    assert not inside.exists()
    assert main(["evaluate", path, str(folder), "--report-dir", path]) == EXIT_USAGE
    assert "the model" in capsys.readouterr().err


def test_extract_out_inside_the_dataset_is_refused(folder, tmp_path, capsys):
    for out in (folder, folder / "features"):
        assert main(["extract", str(folder), str(out), "--weights", "none"]) == EXIT_USAGE
        assert "the dataset folder" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == ["a", "b"]  # nothing written there


def test_compare_out_inside_the_dataset_is_refused(folder, capsys):
    out = folder / "report"
    code = main(["compare", str(folder), "--protocol", "two-stream-table2", "--quick",
                 "--backbone", "lowlevel:hsv", "-o", str(out)])
    assert code == EXIT_USAGE
    assert "the dataset folder" in capsys.readouterr().err and not out.exists()


def test_output_folder_writability_is_tried_not_asked(folder, tmp_path, cheap_cli,
                                                      monkeypatch, capsys):
    import tempfile

    # root passes os.access everywhere; a read-only export still refuses the write
    monkeypatch.setattr(os, "access", lambda *a, **k: True)

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    out = tmp_path / "ro" / "m.skvc"
    assert main(["fit", str(folder), "-o", str(out), "--weights", "none"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "not writable" in err and str(tmp_path) in err and cheap_cli == []


# --------------------------------------------------------------------- extract --fingerprint (2)
def test_extract_fingerprint_full_recomputes_a_replaced_video(tmp_path, monkeypatch, capsys):
    from skvideo_clf.cli import _extract

    monkeypatch.setattr(_extract, "make_featurizer", lambda args, **kw:
                        FunctionFrameTransformer(pixel_mean, sequence_length=2))
    data = tmp_path / "data"
    (data / "a").mkdir(parents=True)
    (data / "b").mkdir()
    dark, light = _clip(tmp_path / "dark.avi", level=0), _clip(tmp_path / "light.avi", level=120)
    size = max(os.path.getsize(dark), os.path.getsize(light))
    for p in (dark, light):  # pad to one size: AVI readers ignore trailing bytes
        with open(p, "ab") as f:
            f.write(b"\0" * (size - os.path.getsize(p)))
    target = data / "a" / "v.avi"
    shutil.copy2(dark, target)
    _clip(data / "b" / "w.avi", level=60)
    out = tmp_path / "feats"
    args = ["extract", str(data), str(out), "--weights", "none", "--quiet"]
    assert main([*args, "--fingerprint", "full"]) == 0
    first, _, _, videos = load_extracted(out)
    st = os.stat(target)
    shutil.copyfile(light, target)
    os.utime(target, ns=(st.st_atime_ns, st.st_mtime_ns))  # same size, same mtime
    capsys.readouterr()
    assert main([*args, "--fingerprint", "full"]) == 0
    assert "; 1 computed now)" in capsys.readouterr().out
    again, _, _, _ = load_extracted(out)
    i = videos.index(str(target))
    assert not np.allclose(first[i], again[i]) and np.allclose(first[1 - i], again[1 - i])
    np.testing.assert_allclose(
        again[i], FunctionFrameTransformer(pixel_mean, sequence_length=2).fit_transform(
            [str(light)])[0], rtol=1e-6)


# --------------------------------------------------------------------- multi-label weights (3)
def test_multilabel_balanced_keeps_an_always_on_label():
    from skvideo_clf.neural import LSTMClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(24, 3, 4)).astype(np.float32)
    Y = np.zeros((24, 3), int)
    Y[:, 0] = X[:, :, 0].mean(axis=1) > 0  # an ordinary label
    Y[:, 1] = 1  # on every video
    Y[:3, 2] = 1  # a rare label
    clf = LSTMClassifier(hidden_sizes=(8,), max_epochs=30, lr=0.05, class_weight="balanced",
                         random_state=0).fit(X, Y)
    n_pos = Y.sum(axis=0)
    np.testing.assert_allclose(clf.class_weight_, [(24 - n_pos[0]) / n_pos[0], 1.0, 7.0])
    assert clf.predict(X)[:, 1].all()  # the always-on label is predicted on every video
    Y[:, 2] = 0  # a label on no video: weight 1, no refusal
    none = LSTMClassifier(hidden_sizes=(4,), max_epochs=1, class_weight="balanced",
                          random_state=0).fit(X, Y)
    assert none.class_weight_[1:].tolist() == [1.0, 1.0]


# --------------------------------------------------------------------- linked class folder (5)
def test_class_folder_linked_to_the_data_root_is_refused_naming_both_paths(folder, capsys):
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    with pytest.raises(ValueError) as exc:
        load_video_folder(folder)
    both = re.search(r"'([^']+)' \(class 'loop'\) and '([^']+)' \(class '(a|b)'\)",
                     str(exc.value))
    assert both is not None, str(exc.value)  # the second path, then the first, both named
    second, first, cls = both.groups()
    assert second.startswith(str(folder / "loop" / cls)) and first.startswith(str(folder / cls))
    assert os.path.samefile(first, second)
    assert main(["fit", str(folder), "--weights", "none"]) == EXIT_DATA
    assert "same file" in capsys.readouterr().err


# --------------------------------------------------------------------- single-class fit (8)
def test_fit_on_a_single_class_is_exit_3_with_one_message(folder, cheap_cli, capsys):
    shutil.rmtree(folder / "b")
    assert main(["fit", str(folder), "--weights", "none"]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "holds one class ('a')" in err and "two or more class folders" in err
    assert "unexpected" not in err and cheap_cli == []


# --------------------------------------------------------------------- model files (9)
def test_model_file_holding_a_plain_estimator_is_exit_4(folder, tmp_path, capsys):
    clf = LogisticRegression().fit([[0.0], [1.0]], ["a", "b"])
    path = save_model(tmp_path / "plain.skvc", clf)
    video = next(folder.rglob("*.avi"))
    assert main(["predict", path, str(video)]) == EXIT_MODEL
    err = capsys.readouterr().err
    assert "LogisticRegression" in err and "no frame featurizer" in err


def test_model_header_that_is_a_json_list_is_exit_4(folder, tmp_path, capsys):
    path = tmp_path / "list.skvc"
    path.write_bytes(MODEL_MAGIC + b'["a", "b"]\n' + b"payload")
    with pytest.raises(ModelFileError, match="damaged.*JSON list"):
        load_model(path)
    assert main(["predict", str(path), str(next(folder.rglob("*.avi")))]) == EXIT_MODEL
    assert "list.skvc" in capsys.readouterr().err


def test_model_file_of_a_newer_format_says_upgrade(cheap_model, tmp_path, capsys):
    path, videos = cheap_model
    newer = tmp_path / "newer.skvc"
    newer.write_bytes(b"SKVIDEO-CLF-MODEL 2\n" + open(path, "rb").read()[len(MODEL_MAGIC):])
    assert main(["predict", str(newer), str(videos[0])]) == EXIT_MODEL
    err = capsys.readouterr().err
    assert "newer version of skvideo-clf" in err and "upgrade" in err
    assert "not a skvideo-clf model file" not in err


def test_model_header_without_a_digest_is_refused(cheap_model, tmp_path, capsys):
    path, videos = cheap_model
    with open(path, "rb") as f:
        magic, header, payload = f.readline(), json.loads(f.readline()), f.read()
    del header["payload_blake2b"]
    bare = tmp_path / "bare.skvc"
    bare.write_bytes(magic + json.dumps(header).encode() + b"\n" + payload)
    with pytest.raises(ModelFileError, match="no payload digest"):
        load_model(bare)
    assert main(["predict", str(bare), str(videos[0])]) == EXIT_MODEL


# --------------------------------------------------------------------- full disk (10)
def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))  # as write() raises it: no name


def test_full_disk_under_extract_names_the_file(folder, tmp_path, monkeypatch, capsys):
    from skvideo_clf.cli import _extract

    monkeypatch.setattr(_extract, "make_featurizer", lambda args, **kw:
                        FunctionFrameTransformer(pixel_mean, sequence_length=2))
    monkeypatch.setattr(np, "savez", _enospc)
    out = tmp_path / "feats"
    assert main(["extract", str(folder), str(out), "--weights", "none", "--quiet"]) == EXIT_DATA
    err = capsys.readouterr().err
    assert "No space left" in err and str(out / "a" / "v_a_g01_c01.npz") in err
    assert not list(out.rglob("*.npz")) and not list(out.rglob(".tmp-*"))


def test_full_disk_under_compare_names_the_report_folder(folder, tmp_path, monkeypatch, capsys):
    from skvideo_clf.cli import _compare

    monkeypatch.setattr(_compare, "run_rows", _enospc)  # the first fold result to save
    out = tmp_path / "report"
    # rows without calibrated SVMs: 2 videos a class leave 1 per training fold
    code = main(["compare", str(folder), "--protocol", "resbilstm-table1", "--quick",
                 "--backbone", "lowlevel:hsv", "--folds", "2", "-o", str(out), "--quiet"])
    assert code == EXIT_DATA
    err = capsys.readouterr().err
    assert "No space left" in err and repr(str(out)) in err


# --------------------------------------------------------------------- relative --cache (11)
def test_relative_cache_is_stored_resolved(folder, tmp_path, monkeypatch):
    from skvideo_clf.cli import _model_commands
    from skvideo_clf.cli._pipeline import featurizer_params

    def build(args, *, weights, verbose=0):  # the cheap pipeline, with the --cache it is given
        memory = featurizer_params(args)["memory"]
        return _cheap_pipeline(memory=memory)

    monkeypatch.setattr(_model_commands, "build_pipeline", build)
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert main(["fit", str(folder), "-o", "m.skvc", "--cache", "cache", "--weights", "none",
                 "--quiet"]) == 0
    model, _ = load_model(tmp_path / "work" / "m.skvc")
    assert model.named_steps["features"].memory == str(tmp_path / "work" / "cache")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    video = str(next(folder.rglob("*.avi")))
    assert main(["predict", str(tmp_path / "work" / "m.skvc"), video, "--quiet"]) == 0
    assert list(elsewhere.iterdir()) == []  # no relative cache folder recreated here


# --------------------------------------------------------------------- CUDA float16 model (12)
def test_a_float16_cuda_featurizer_rebuilds_in_float32_in_workers(tmp_path):
    feats, _, _ = _as_fitted_on_cuda(half=True)
    videos = [_clip(tmp_path / f"v{i}.avi", level=30 * i) for i in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random weights: tests only
        expected = InceptionFrameTransformer(weights=None, input_size=75, sequence_length=2,
                                             random_state=0).fit(videos).transform(videos)
    path = save_model(tmp_path / "gpu_half.skvc", feats)
    with pytest.warns(UserWarning, match="float16 -> float32"):
        loaded, _ = load_model(path)
    # n_jobs workers rebuild the network from its recipe: the CPU's float32 one
    got = loaded.set_params(n_jobs=2).transform(videos)
    assert np.linalg.norm(got - expected) / np.linalg.norm(expected) < 1e-2
