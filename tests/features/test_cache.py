"""The frame cache: shared across clones, invalidated by file changes, robust to damage."""

import glob
import os
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from skvideo_clf.augment import Augmentation
from skvideo_clf.features import FunctionFrameTransformer, InceptionFrameTransformer, _weights
from skvideo_clf.features import _cache as cache_mod
from skvideo_clf.features._cache import identity_digest
from skvideo_clf.video import Clip, write_video


def pixel_mean(frames, scale=1.0):
    """Frame -> mean R, G, B, times ``scale``."""
    return frames.reshape(len(frames), -1, 3).mean(1) * scale


def PixelMean(scale=1.0, sequence_length=3, **params):
    """A function featurizer whose ``scale`` (in ``kw_args``) is part of its identity."""
    return FunctionFrameTransformer(pixel_mean, kw_args={"scale": scale},
                                    sequence_length=sequence_length, **params)


def _video(n, seed, size=16):
    return np.random.default_rng(seed).integers(0, 256, (n, size, size, 3), dtype=np.uint8)


def _entries(root):
    return sorted(glob.glob(os.path.join(root, "skvideo_clf_frames", "*", "*", "*.npy")))


def test_two_inception_clones_share_the_cache(tmp_path):
    videos = [_video(4, 0, 32), _video(3, 1, 32)]
    # real weights when installed: loaded once per process, so the two fits are cheap
    weights = "tf2015" if _weights.tf2015_path() is not None else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        first = InceptionFrameTransformer(weights, input_size=75, sequence_length=2,
                                          random_state=0, memory=str(tmp_path))
        X1 = first.fit_transform(videos)
        second = clone(first)
        X2 = second.fit(videos).transform(videos)
    assert first.n_frames_computed_ == 4
    assert second.n_frames_computed_ == 0  # every frame came from the cache
    np.testing.assert_array_equal(X1, X2)
    assert len(_entries(tmp_path)) == 4


def test_cache_hits_across_calls_clips_and_joblib_memory(tmp_path):
    v = _video(10, 2)
    tf = PixelMean(memory=joblib.Memory(str(tmp_path), verbose=0)).fit([v])
    X = tf.transform([v])  # uniform of 10 -> frames 0, 4, 9 (rounded linspace)
    assert tf.n_frames_computed_ == 3
    clips = [Clip(v, (0, 4, 5)), Clip(v, (9, 9, 0))]
    Y = tf.transform(clips)
    assert tf.n_frames_computed_ == 4  # only frame 5 is new
    np.testing.assert_array_equal(Y[1, 0], X[0, 2])
    tf.transform([Clip(v, (0, 4, 9), Augmentation(brightness=0.5))])
    assert tf.n_frames_computed_ == 7  # augmented frames are different entries


def test_feature_parameters_change_the_identity(tmp_path):
    v = _video(5, 3)
    a = PixelMean(memory=str(tmp_path)).fit([v])
    a.transform([v])
    b = PixelMean(scale=2.0, memory=str(tmp_path)).fit([v])
    Xb = b.transform([v])
    assert b.n_frames_computed_ == 3
    np.testing.assert_allclose(Xb, 2 * a.transform([v]), rtol=1e-6)
    assert len(os.listdir(tmp_path / "skvideo_clf_frames")) == 2


def test_modified_file_invalidates(tmp_path):
    path = str(tmp_path / "v.avi")
    write_video(path, np.full((6, 16, 16, 3), 40, np.uint8), fps=10)
    tf = PixelMean(memory=str(tmp_path / "cache")).fit([path])
    X1 = tf.transform([path])
    write_video(path, np.full((6, 16, 16, 3), 200, np.uint8), fps=10)  # same name
    st = os.stat(path)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    X2 = tf.transform([path])
    assert tf.n_frames_computed_ == 6
    assert np.abs(X1 - 40).max() < 5 and np.abs(X2 - 200).max() < 5


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_damaged_entry_is_recomputed_never_read(tmp_path, damage):
    v = _video(5, 5)
    tf = PixelMean(memory=str(tmp_path)).fit([v])
    X1 = tf.transform([v])
    victim = _entries(tmp_path)[0]
    data = open(victim, "rb").read()
    if damage == "truncate":
        data = data[: len(data) - 5]
    elif damage == "flip":
        data = data[:-1] + bytes([data[-1] ^ 1])
    elif damage == "empty":
        data = b""
    else:
        data = b"\x93NUMPY" + os.urandom(60)
    with open(victim, "wb") as fh:
        fh.write(data)
    X2 = tf.transform([v])
    assert tf.n_frames_computed_ == 3 + 1  # exactly the damaged frame again
    np.testing.assert_array_equal(X1, X2)


def test_killed_write_leaves_no_entry(tmp_path, monkeypatch):
    v = _video(4, 6)
    tf = PixelMean(memory=str(tmp_path)).fit([v])

    def killed(src, dst):
        raise KeyboardInterrupt  # the process dies between writing and renaming

    monkeypatch.setattr(cache_mod.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        tf.transform([v])
    monkeypatch.undo()
    assert _entries(tmp_path) == []
    assert not glob.glob(str(tmp_path / "**" / "*.part"), recursive=True)
    tf.transform([v])
    assert len(_entries(tmp_path)) == 3


def test_no_memory_means_no_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tf = PixelMean(memory=joblib.Memory(None)).fit([_video(3, 7)])
    tf.transform([_video(3, 7)])
    tf.transform([_video(3, 7)])
    assert tf.n_frames_computed_ == 6 and os.listdir(tmp_path) == []


def _key(tf):
    return identity_digest(tf._cache_identity())


def test_identity_follows_feature_parameters_only():
    base = PixelMean()
    assert _key(base) == _key(PixelMean())
    # the cached per-frame features do not depend on these
    for params in [dict(n_jobs=2), dict(verbose=1), dict(sequence_length=7),
                   dict(frame_sampling="all"), dict(padding="zeros"), dict(random_state=3),
                   dict(memory="/tmp/elsewhere")]:
        assert _key(clone(base).set_params(**params)) == _key(base), params
    # they do: the function's arguments, the function itself
    assert _key(PixelMean(scale=2.0)) != _key(base)
    other = FunctionFrameTransformer(lambda f, scale=1.0: pixel_mean(f, scale),
                                     kw_args={"scale": 1.0}, sequence_length=3)
    assert _key(other) != _key(base)
    identity = base._cache_identity()
    assert identity["opencv"] and identity["skvideo_clf"] and identity["features_version"]
    assert set(identity["params"]) == {"func", "kw_args"}


def test_identity_holds_no_memory_address():
    # functions are named by module and byte code, never by their id, so another process
    # (a later run, a joblib worker) finds the same entries
    import json

    text = json.dumps(PixelMean()._cache_identity(), sort_keys=True, default=str)
    assert "pixel_mean" in text and " at 0x" not in text
    lam = FunctionFrameTransformer(lambda f: [x for x in f.mean((1, 2))])
    assert " at 0x" not in json.dumps(lam._cache_identity(), default=str)
