"""Kill and resume: a SIGKILLed run keeps its finished work, and the rerun completes it.

Each case runs the work in a subprocess, kills it with SIGKILL midway (the signal no code
can catch: what survives is what was already on disk), runs it again, and checks that
(a) finished work is not redone and (b) the result equals a clean run's.

The killed runs are slowed down by a hook (a sleep per network batch, or a stall after an
epoch) so that "midway" is a state the test can wait for, not a race.
"""

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import pytest

from skvideo_clf.datasets import make_video_classification

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[1]
SEQ = 3  # frames per video
N_VIDEOS = 8

# Slows every InceptionV3 batch down in the run to be killed (SKVC_TEST_SLOW seconds) and
# counts the batches that went through the network in the file SKVC_TEST_BATCHES.
HOOK = """
import os, time
from skvideo_clf.features import InceptionFrameTransformer
_slow = float(os.environ.get("SKVC_TEST_SLOW", "0"))
_count = os.environ.get("SKVC_TEST_BATCHES")
_forward = InceptionFrameTransformer._featurize_frames
_done = [0]
def _slow_forward(self, batch):
    time.sleep(_slow)
    out = _forward(self, batch)
    _done[0] += 1
    if _count:
        with open(_count, "a") as fh:
            fh.write("x")
    return out
InceptionFrameTransformer._featurize_frames = _slow_forward
"""

FEATURIZE = HOOK + """
import json, sys, warnings
import numpy as np
warnings.simplefilter("ignore")
videos, cache, out = json.loads(sys.argv[1]), sys.argv[2], sys.argv[3]
tf = InceptionFrameTransformer(weights=None, input_size=75, sequence_length=%d, batch_size=%d,
                               memory=cache, random_state=0).fit(videos[:1])
X = tf.transform(videos)
np.save(out, X)
print(json.dumps({"n_frames_computed": tf.n_frames_computed_}))
"""

EXTRACT = HOOK + """
import sys
from skvideo_clf.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _env(slow, batches=""):
    env = dict(os.environ, SKVC_TEST_SLOW=str(slow), SKVC_TEST_BATCHES=str(batches),
               PYTHONWARNINGS="ignore")
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    return env


def _run_until(cmd, env, count, target, timeout=150):
    """Start ``cmd``, wait until ``count()`` >= ``target``, SIGKILL it; return the count
    at the kill and whether the process had already ended on its own."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            n = count()
            if n >= target or proc.poll() is not None:
                break
            time.sleep(0.05)
        ended = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert ended or proc.returncode == -signal.SIGKILL
    return count(), ended


@pytest.fixture(scope="module")
def videos(tmp_path_factory):
    root = tmp_path_factory.mktemp("resume_videos")
    paths, y = make_video_classification(N_VIDEOS // 2, n_classes=2, n_frames=6,
                                         output_dir=root, random_state=0)
    return root, [str(p) for p in paths], y


@pytest.fixture(scope="module")
def clean(videos):
    """Features of a clean in-process run (random weights seeded as in the subprocesses)."""
    from skvideo_clf.features import InceptionFrameTransformer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        tf = InceptionFrameTransformer(weights=None, input_size=75, sequence_length=SEQ,
                                       random_state=0)
        return tf.fit_transform(videos[1])


def _close(a, b):
    # Other batches in another process: equal up to float32 summation order, which the
    # random network's huge activations amplify; the bound is relative to the scale.
    return np.abs(a - b).max() <= 1e-4 * np.abs(b).max()


def _entries(folder):
    return sum(1 for _ in Path(folder).rglob("*.npy")) if Path(folder).exists() else 0


# ----------------------------------------------------------------------------- frame cache
def test_killed_featurization_resumes_from_the_frame_cache(tmp_path, videos, clean):
    _, paths, _ = videos
    cache = tmp_path / "cache"
    script = tmp_path / "featurize.py"
    script.write_text(FEATURIZE % (SEQ, SEQ))  # one video per batch
    cmd = [sys.executable, str(script), json.dumps(paths), str(cache), str(tmp_path / "X.npy")]
    total = SEQ * N_VIDEOS

    # killed once the cache holds 2 videos' frames; 1.5 s per batch leaves time to see it
    batches = tmp_path / "batches"
    cached, ended = _run_until(cmd, _env(1.5, batches), lambda: _entries(cache), 2 * SEQ)
    assert not ended, "the first run finished before it could be killed"
    n_batches = len(batches.read_text()) if batches.exists() else 0
    assert 0 < cached < total and n_batches < N_VIDEOS, (
        f"{cached} of {total} frames were in the cache after {n_batches} of {N_VIDEOS} "
        "network batches: the cache is written only once every video is computed, so a "
        "run killed while computing keeps nothing")

    proc = subprocess.run(cmd, env=_env(0), capture_output=True, text=True, timeout=200)
    assert proc.returncode == 0, proc.stderr
    computed = json.loads(proc.stdout.strip().splitlines()[-1])["n_frames_computed"]
    assert computed == total - cached  # (a) the finished frames were not recomputed
    assert _entries(cache) == total
    assert _close(np.load(tmp_path / "X.npy"), clean)  # (b) the same features


# ----------------------------------------------------------------------------- extract
def test_killed_extract_command_resumes(tmp_path, videos, clean):
    from skvideo_clf.datasets import load_extracted

    root, paths, y = videos
    out = tmp_path / "out"
    script = tmp_path / "extract.py"
    script.write_text(EXTRACT)
    cmd = [sys.executable, str(script), "extract", str(root), str(out), "--weights", "none",
           "--input-size", "75", "--sequence-length", str(SEQ), "--batch-size-frames",
           str(2 * SEQ), "--chunk", "2", "--device", "cpu"]

    def saved():
        return sorted(out.rglob("*.npz")) if out.exists() else []

    n_saved, ended = _run_until(cmd, _env(1.5), lambda: len(saved()), 4)
    assert not ended, "the first run finished before it could be killed"
    assert 0 < n_saved < N_VIDEOS and n_saved % 2 == 0  # whole chunks, never half files
    before = {p: p.stat().st_mtime_ns for p in saved()}
    assert not list(out.rglob(".tmp-*"))  # no stray temporary file is taken for a result

    proc = subprocess.run(cmd, env=_env(0), capture_output=True, text=True, timeout=200)
    assert proc.returncode == 0, proc.stderr
    assert (f"{n_saved} of {N_VIDEOS} videos already extracted; computing "
            f"{N_VIDEOS - n_saved}") in proc.stderr
    assert f"{N_VIDEOS - n_saved} computed now" in proc.stdout
    for p, mtime in before.items():  # (a) finished videos untouched
        assert p.stat().st_mtime_ns == mtime
    X, y_out, _, vids = load_extracted(out)
    # index.csv lists the videos in load_video_folder's order; map them to the clean run's
    order = [paths.index(os.path.abspath(v)) if os.path.isabs(v) else
             paths.index(str(Path(v).resolve())) for v in vids]
    assert sorted(order) == list(range(N_VIDEOS))
    assert y_out.tolist() == [str(y[i]) for i in order]
    assert X.shape == (N_VIDEOS, SEQ, 2048)
    assert _close(X, clean[order])  # (b) the same features as a clean run


# ----------------------------------------------------------------------------- training
TRAIN = """
import json, os, sys, time
import numpy as np
import torch
from skorch.callbacks import Callback, Checkpoint, LoadInitState

kind, folder, n_epochs, stall_after = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rng = np.random.RandomState(0)
X = rng.rand(24, 4, 5).astype(np.float32)
y = np.array(["calm", "storm"] * 12)
X[y == "storm"] += 0.5


class StopAt(Callback):
    # fit_loop runs max_epochs more epochs after a resume: stop at the total instead
    def __init__(self, total):
        self.total = total

    def on_epoch_end(self, net, **kw):
        if len(net.history) >= self.total:
            raise KeyboardInterrupt  # skorch's way to end training early (as EarlyStopping)


class Log(Callback):
    def on_train_begin(self, net, **kw):
        w = torch.cat([p.detach().flatten() for p in net.module_.parameters()])
        print(json.dumps({"start_epochs": len(net.history), "start_wsum": float(w.sum())}),
              flush=True)

    def on_epoch_end(self, net, **kw):
        print(json.dumps({"epoch": net.history[-1, "epoch"]}), flush=True)
        if len(net.history) == stall_after:
            print("stalled", flush=True)
            time.sleep(600)  # the test SIGKILLs us here


cp = Checkpoint(monitor=None, dirname=folder)  # monitor=None: save after every epoch
# order matters: the epoch is saved and logged before StopAt ends training
callbacks = [("checkpoint", cp), ("resume", LoadInitState(cp)), ("log", Log()),
             ("stop", StopAt(n_epochs))]
if kind == "lstm":
    from skvideo_clf.neural import LSTMClassifier

    net = LSTMClassifier(hidden_sizes=(8,), max_epochs=n_epochs, batch_size=8,
                         callbacks=callbacks, random_state=0)
    net.fit(X, y)
else:
    # tabular input, a proximal step after each optimizer step, and device="auto", which
    # skorch's load_params (behind LoadInitState) must see resolved
    from skvideo_clf.neural import FusionNetClassifier

    net = FusionNetClassifier(streams={"a": slice(0, 10), "b": slice(10, None)},
                              stream_size=4, fusion_size=4, lambda2=1e-3, lr=0.05,
                              max_epochs=n_epochs, batch_size=8, device="auto",
                              callbacks=callbacks, random_state=0)
    net.fit(X.reshape(len(X), -1), y)
print(json.dumps({"history": len(net.history),
                  "loss": [float(v) for v in net.history[:, "train_loss"]]}), flush=True)
"""


def _lines(text):
    return [json.loads(s) for s in text.splitlines() if s.startswith("{")]


@pytest.mark.parametrize("kind", ["lstm", "fusion-auto-device"])
def test_killed_training_resumes_from_its_last_epoch(tmp_path, kind):
    import torch

    import skvideo_clf.neural  # noqa: F401  (fails here, not in the subprocess)

    n_epochs, k = 6, 3
    folder = tmp_path / "checkpoints"
    script = tmp_path / "train.py"
    script.write_text(textwrap.dedent(TRAIN))
    cmd = [sys.executable, str(script), kind, str(folder), str(n_epochs)]
    env = _env(0)

    # first run: stalls after epoch k (its checkpoint written), and is SIGKILLed there
    proc = subprocess.Popen(cmd + [str(k)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        for line in proc.stdout:
            seen.append(line)
            if line.strip() == "stalled":
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL, "".join(seen) + proc.stderr.read()
    first = _lines("".join(seen))
    assert [r["epoch"] for r in first if "epoch" in r] == [1, 2, 3]
    saved = json.loads((folder / "history.json").read_text())
    assert len(saved) == k
    params = torch.load(folder / "params.pt", weights_only=True)
    saved_wsum = float(sum(v.sum() for v in params.values()))

    # second run: same command; loads epoch k's state and trains epochs k+1..n only
    done = subprocess.run(cmd + ["0"], env=env, capture_output=True, text=True, timeout=200)
    assert done.returncode == 0, done.stderr
    rows = _lines(done.stdout)
    assert rows[0]["start_epochs"] == k
    assert rows[0]["start_wsum"] == pytest.approx(saved_wsum, rel=1e-6)  # epoch k's weights
    assert [r["epoch"] for r in rows if "epoch" in r] == list(range(k + 1, n_epochs + 1))
    final = rows[-1]
    assert final["history"] == n_epochs
    assert np.isfinite(final["loss"]).all() and final["loss"][-1] < final["loss"][0]
    # the first k losses are the killed run's, carried over, not recomputed
    assert final["loss"][:k] == pytest.approx([r["train_loss"] for r in saved], rel=1e-12)
    assert len(json.loads((folder / "history.json").read_text())) == n_epochs


# --- compare's fold results: reused only when everything that made them is unchanged -------

def _number_files(root, values):
    """One small file per "video" holding a number; the class is the folder."""
    paths, labels = [], []
    for label, numbers in values.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i, v in enumerate(numbers):
            path = root / label / f"v_{label}_g{i + 1:02d}_c01.txt"
            path.write_text(f"{v:.1f}")
            paths.append(str(path))
            labels.append(label)
    return np.array(paths, dtype=object), np.array(labels)


def _read_numbers(paths):
    return np.array([[float(Path(p).read_text())] for p in paths])


def _reader_row():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    return make_pipeline(FunctionTransformer(_read_numbers), LogisticRegression())


def _accuracies(results):
    return [f["metrics"]["accuracy"] for f in results[0]["folds"]]


@pytest.mark.parametrize("mode", ["stat", "sample", "full"])
def test_compare_recomputes_folds_whose_video_contents_changed(tmp_path, mode):
    from skvideo_clf.protocols import run_rows

    X, y = _number_files(tmp_path / "data", {"a": [0.1] * 4, "b": [0.9] * 4})
    splits = [(np.r_[0, 1, 4, 5], np.r_[2, 3, 6, 7]), (np.r_[2, 3, 6, 7], np.r_[0, 1, 4, 5])]
    out = tmp_path / "report"
    rows = [("reader", _reader_row)]
    assert _accuracies(run_rows(rows, X, y, splits, out_dir=out, fingerprint=mode)) == [1, 1]
    # the same paths and labels, the contents of the test side of fold 1 swapped
    for i in (2, 3, 6, 7):
        Path(X[i]).write_text("0.9" if y[i] == "a" else "0.1")
    again = run_rows(rows, X, y, splits, out_dir=out, fingerprint=mode)
    assert [f["resumed"] for f in again[0]["folds"]] == [False, False]
    assert _accuracies(again) == _accuracies(run_rows(rows, X, y, splits, out_dir=None))
    assert _accuracies(again)[0] == 0.0  # what a fresh run gives, not the old 1.0


def test_a_same_size_change_with_its_mtime_restored_is_seen_by_sample_not_by_stat(tmp_path):
    from skvideo_clf.protocols import run_rows

    X, y = _number_files(tmp_path / "data", {"a": [0.1] * 2, "b": [0.9] * 2})
    splits = [(np.r_[0, 2], np.r_[1, 3]), (np.r_[1, 3], np.r_[0, 2])]
    rows = [("reader", _reader_row)]
    for mode in ("stat", "sample"):
        run_rows(rows, X, y, splits, out_dir=tmp_path / mode, fingerprint=mode)
    for i in (1, 3):  # cp -p, rsync -t, tar: new bytes, the old size and mtime
        st = os.stat(X[i])
        Path(X[i]).write_text("0.9" if y[i] == "a" else "0.1")
        os.utime(X[i], ns=(st.st_atime_ns, st.st_mtime_ns))
    stat = run_rows(rows, X, y, splits, out_dir=tmp_path / "stat", fingerprint="stat")
    sample = run_rows(rows, X, y, splits, out_dir=tmp_path / "sample", fingerprint="sample")
    assert [f["resumed"] for f in stat[0]["folds"]] == [True, True]  # stat's documented limit
    assert [f["resumed"] for f in sample[0]["folds"]] == [False, False]


def _small_problem():
    rng = np.random.default_rng(0)
    y = np.repeat(["a", "b"], 10)
    X = rng.normal(size=(20, 2)) + (y == "b")[:, None] * 2
    splits = [(np.arange(0, 20, 2), np.arange(1, 20, 2)),
              (np.arange(1, 20, 2), np.arange(0, 20, 2))]
    return X, y, splits


def test_rows_whose_names_reduce_to_one_folder_name_keep_their_own_results(tmp_path):
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression

    from skvideo_clf.protocols import run_rows

    X, y, splits = _small_problem()
    rows = [("SVM A", LogisticRegression), ("svm-a", lambda: DummyClassifier()),
            ("+++", LogisticRegression), ("---", lambda: DummyClassifier())]
    first = run_rows(rows, X, y, splits, out_dir=tmp_path)
    assert len(list((tmp_path / "runs").iterdir())) == 4
    again = run_rows(rows, X, y, splits, out_dir=tmp_path)
    for old, new in zip(first, again, strict=True):
        assert all(f["resumed"] for f in new["folds"])
        assert {f["row"] for f in new["folds"]} == {old["name"]}
        assert _accuracies([new]) == _accuracies([old])
    assert min(_accuracies([again[0]])) >= 0.9 and _accuracies([again[1]]) == [0.5, 0.5]


def test_a_changed_row_parameter_under_the_same_name_is_recomputed(tmp_path):
    from sklearn.linear_model import LogisticRegression

    from skvideo_clf.protocols import run_rows

    X, y, splits = _small_problem()
    run_rows([("lr", LogisticRegression)], X, y, splits, out_dir=tmp_path)
    changed = run_rows([("lr", lambda: LogisticRegression(C=1e-4))], X, y, splits,
                       out_dir=tmp_path)
    assert not any(f["resumed"] for f in changed[0]["folds"])
    # where the model reads its cache or how loudly it runs is no reason to refit
    same = run_rows([("lr", lambda: LogisticRegression(C=1e-4, verbose=0, n_jobs=1))], X, y,
                    splits, out_dir=tmp_path)
    assert all(f["resumed"] for f in same[0]["folds"])


@pytest.mark.parametrize("content, problem", [
    ("null", "holds NoneType"), ("{garbage", "not readable JSON"), ("[1, 2]", "holds list"),
    ("", "not readable JSON"), (None, "lacks ['y_pred']")])
def test_an_unreadable_fold_file_is_recomputed_with_a_warning_naming_it(tmp_path, content,
                                                                        problem):
    from sklearn.linear_model import LogisticRegression

    from skvideo_clf.protocols import run_rows
    from skvideo_clf.protocols._runner import fold_path

    X, y, splits = _small_problem()
    rows = [("lr", LogisticRegression)]
    first = run_rows(rows, X, y, splits, out_dir=tmp_path)
    bad = fold_path(tmp_path, "lr", 1)
    if content is None:  # the right signature, a key missing (edited by hand)
        record = json.loads(Path(bad).read_text())
        del record["y_pred"]
        content = json.dumps(record)
    Path(bad).write_text(content)
    with pytest.warns(UserWarning, match=re.escape(problem)) as caught:
        again = run_rows(rows, X, y, splits, out_dir=tmp_path)
    assert any(bad in str(w.message) for w in caught)
    assert [f["resumed"] for f in again[0]["folds"]] == [True, False]
    assert _accuracies(again) == _accuracies(first)
    assert json.loads(Path(bad).read_text())["y_pred"] == first[0]["folds"][1]["y_pred"]
