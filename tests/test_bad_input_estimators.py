"""The bad-input corpus, featurizer and classifier level (the reader level is in
``test_bad_input.py``): NaN / inf features, a label seen only at predict time, a single
class, a dataset with several bad files, and mixed resolutions through a featurizer.

Each case gets a clear error naming what is wrong, or a documented behaviour asserted here.
"""

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from skvideo_clf.datasets import load_video_folder, make_video_classification
from skvideo_clf.features import InceptionFrameTransformer, TemporalPooling
from skvideo_clf.fusion import Chi2SVC
from skvideo_clf.sampling import BootstrapSampler, SpatioTemporalOversampler
from skvideo_clf.video import VideoReadError, write_video

pytestmark = pytest.mark.timeout(120)  # nothing here may hang


def _neural():
    # imported on use, so that the featurizer cases run without importing the classifiers;
    # an import error of our own code fails the test (never a skip)
    import skvideo_clf.neural

    return skvideo_clf.neural


@pytest.fixture(scope="module")
def featurizer():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # random weights: tests only
        return InceptionFrameTransformer(weights=None, input_size=75, sequence_length=3,
                                         random_state=0).fit([np.zeros((1, 8, 8, 3), np.uint8)])


@pytest.fixture(scope="module")
def seqs():
    rng = np.random.RandomState(0)
    X = rng.rand(12, 3, 4).astype(np.float32)
    y = np.array(["a"] * 6 + ["b"] * 6)
    return X, y


def _poisoned(X, value, where=(2, 1, 0)):
    X = X.copy()
    X[where] = value
    return X


# ----------------------------------------------------------------------------- NaN / inf
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_features_refused_by_classifiers(seqs, value):
    X, y = seqs
    bad = _poisoned(X, value)
    word = "NaN" if np.isnan(value) else "infinity"
    with pytest.raises(ValueError, match=word):
        Chi2SVC().fit(bad.mean(1), y)
    fitted = Chi2SVC().fit(X.mean(1), y)
    with pytest.raises(ValueError, match=word):
        fitted.predict(bad.mean(1))


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_sequences_refused_by_neural_classifiers(seqs, value):
    neural = _neural()
    X, y = seqs
    bad = _poisoned(X, value)
    word = "NaN" if np.isnan(value) else "infinity"
    with pytest.raises(ValueError, match=word):
        neural.LSTMClassifier(max_epochs=1).fit(bad, y)
    # the ragged form names the sequence that holds it
    ragged = np.empty(3, dtype=object)
    ragged[0], ragged[1], ragged[2] = X[0], X[1, :2], bad[2]
    with pytest.raises(ValueError, match=re.escape("X[2]") + ".*" + word):
        neural.LSTMClassifier(max_epochs=1).fit(ragged, y[[0, 1, 7]])
    fitted = neural.LSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match=word):
        fitted.predict(bad)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_pooling_refuses_and_oversampling_passes_non_finite_values(seqs, value):
    """Documented: TemporalPooling refuses NaN / inf (as sklearn transformers do); the
    oversampler passes them through, in the one video that holds them and in no synthetic
    one (nothing hides them, nothing is dropped), and the classifier after it refuses them."""
    X, y = seqs
    bad = _poisoned(X, value)
    word = "NaN" if np.isnan(value) else "infinity"
    with pytest.raises(ValueError, match=word):
        TemporalPooling("mean").fit_transform(bad)
    with pytest.raises(ValueError, match=word):
        TemporalPooling("mean").fit(X).transform(bad)
    Xr, yr = SpatioTemporalOversampler(sequence_length=3, random_state=0).fit_resample(
        bad[:9], y[:9])
    Xr = np.asarray(Xr, dtype=np.float32)
    assert len(Xr) == len(yr) == 12  # 6 + 3 -> 6 + 6
    assert np.flatnonzero(~np.isfinite(Xr).all(axis=(1, 2))).tolist() == [2]


# ----------------------------------------------------------------------------- labels
def test_label_seen_only_at_predict_time_counts_as_wrong(seqs):
    """Documented: ``predict`` never invents a label; ``score`` counts a label unseen in fit
    as a miss; the report refuses it with the list of known labels."""
    X, y = seqs
    clf = Chi2SVC(probability=True, random_state=0).fit(X.mean(1), y)
    y_new = y.astype(object)
    y_new[:3] = "zebra"
    pred = clf.predict(X.mean(1))
    assert set(pred.tolist()) <= {"a", "b"}
    expected = float(np.mean(pred == y_new))
    assert clf.score(X.mean(1), y_new) == pytest.approx(expected)
    assert clf.score(X.mean(1), y_new) <= 0.75  # the 3 zebras are always wrong

    from skvideo_clf.metrics import evaluate

    with pytest.raises(ValueError, match=r"zebra.*not in labels"):
        evaluate(y_new, y_score=clf.predict_proba(X.mean(1)), labels=clf.classes_)


def test_label_seen_only_later_refused_by_neural_partial_fit(seqs):
    neural = _neural()
    X, y = seqs
    clf = neural.LSTMClassifier(max_epochs=1, random_state=0).fit(X, y)
    y_new = np.where(y == "b", "zebra", y)
    with pytest.raises(ValueError, match=r"zebra.*unseen in the first fit.*refit_head"):
        clf.partial_fit(X, y_new)
    assert clf.score(X, y_new) <= 0.5  # half the labels are unseen: misses, not errors


def test_single_class_y_refused_everywhere(seqs):
    X, _ = seqs
    one = np.array(["a"] * len(X))
    with pytest.raises(ValueError, match="class"):
        Chi2SVC().fit(X.mean(1), one)
    with pytest.raises(ValueError, match=r"1 class.*nothing to balance"):
        SpatioTemporalOversampler().fit_resample(X, one)
    with pytest.raises(ValueError, match=r"at least 2 classes.*got 1 class"):
        BootstrapSampler().fit_resample(X, one)


def test_single_class_y_refused_by_neural_classifiers(seqs):
    neural = _neural()
    X, _ = seqs
    with pytest.raises(ValueError, match=r"at least 2 classes; y has 1 class"):
        neural.LSTMClassifier(max_epochs=1).fit(X, ["a"] * len(X))


# ----------------------------------------------------------------------------- datasets
def _bad_dataset(root):
    """3 classes: 4 good videos, plus a zero-byte file, text renamed .mp4, a truncated AVI
    and a header that lies about its frame count (which decodes: it is not bad)."""
    paths, _ = make_video_classification(2, n_classes=2, n_frames=6, output_dir=root,
                                         random_state=0)
    cls = sorted(p.name for p in root.iterdir())[0]
    (root / cls / "v_zero_g09_c01.mp4").write_bytes(b"")
    (root / cls / "v_notes_g09_c02.mp4").write_text("not a video at all\n" * 50)
    data = open(paths[0], "rb").read()
    (root / cls / "v_cut_g09_c03.avi").write_bytes(data[: len(data) // 2])
    return {"v_zero_g09_c01.mp4", "v_notes_g09_c02.mp4", "v_cut_g09_c03.avi"}


def test_dataset_featurization_reports_every_bad_file_at_once(tmp_path, featurizer):
    bad = _bad_dataset(tmp_path)
    videos, y = load_video_folder(tmp_path)
    assert len(videos) == 7
    with pytest.raises(VideoReadError) as err:
        featurizer.transform(videos)
    msg = str(err.value)
    assert f"3 of {len(videos)} videos could not be featurized" in msg
    for name in bad:
        assert name in msg
    # the good ones alone go through, with the counts the strategy asks for
    good = [v for v in videos if not any(v.endswith(b) for b in bad)]
    X = featurizer.transform(good)
    assert X.shape == (4, 3, 2048) and np.isfinite(X).all()


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_extract_command_reports_every_bad_file_at_once(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    bad = _bad_dataset(data)
    proc = subprocess.run(
        [sys.executable, "-m", "skvideo_clf.cli", "extract", str(data), str(tmp_path / "out"),
         "--weights", "none", "--input-size", "75", "--sequence-length", "2",
         "--chunk", "2", "--quiet"],
        capture_output=True, text=True, errors="replace", timeout=170)  # ffmpeg logs raw bytes
    assert proc.returncode == 3, proc.stderr
    for name in bad:
        assert name in proc.stderr, (name, proc.stderr)
    # the good videos were saved all the same
    assert len(list((tmp_path / "out").rglob("*.npz"))) == 4


def test_variable_resolution_inside_one_dataset_through_a_featurizer(tmp_path, featurizer):
    """16x16, 24x40, a grayscale file and a 1-frame video featurize side by side; a flat
    colour gives the same features at every resolution (resizing keeps it flat)."""
    import cv2

    sizes = [(16, 16), (24, 40), (75, 75), (300, 120)]
    flat = [np.full((4, h, w, 3), 90, np.uint8) for h, w in sizes]
    X = featurizer.transform(flat)
    assert X.shape == (4, 3, 2048)
    for i in range(1, 4):
        np.testing.assert_allclose(X[i], X[0], rtol=1e-5, atol=1e-3 * np.abs(X[0]).max())

    files = [write_video(tmp_path / f"c{h}x{w}.avi",
                         [np.full((h, w, 3), 40 * t, np.uint8) for t in range(3)])
             for h, w in sizes[:2]]
    gray = str(tmp_path / "gray.avi")
    writer = cv2.VideoWriter(gray, cv2.VideoWriter_fourcc(*"MJPG"), 10, (20, 12), False)
    for t in range(3):
        writer.write(np.full((12, 20), 40 * t, np.uint8))
    writer.release()
    one = write_video(tmp_path / "one.avi", [np.full((30, 10, 3), 80, np.uint8)])
    F = featurizer.transform(files + [gray, one])
    assert F.shape == (4, 3, 2048) and np.isfinite(F).all()
    # the 1-frame video is up-sampled: its 3 steps are the same frame
    np.testing.assert_array_equal(F[3, 0], F[3, 2])
    # the same flat ramp at 16x16, 24x40 and in grayscale gives (nearly) the same features
    np.testing.assert_allclose(F[1], F[0], rtol=0, atol=2e-2 * np.abs(F[0]).max())
    np.testing.assert_allclose(F[2], F[0], rtol=0, atol=2e-2 * np.abs(F[0]).max())
