"""Faults a user meets outside the happy path (issue 15): nothing lost, nothing silently wrong.

Interrupts, damaged or foreign model files, the frame cache's identity limits, full and
read-only disks, errors that used to come after all the work. Each test reproduces one
fault with tiny inputs; ``test_bad_input.BAD_INPUT_KINDS`` counts them.
"""

import csv
import errno
import json
import os
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
