"""The bootstrapping CNN paper's low-level descriptors and LowLevelFrameTransformer."""

import numpy as np
import pytest

from skvideo_clf.features import LowLevelFrameTransformer
from skvideo_clf.features._lowlevel import (
    DESCRIPTOR_SIZES,
    cedd,
    haar,
    hog,
    hsv_histogram,
    ycbcr_histogram,
)


def _frames(n, seed, h=48, w=64):
    return np.random.default_rng(seed).integers(0, 256, (n, h, w, 3), dtype=np.uint8)


def test_descriptor_sizes_and_ranges():
    frame = _frames(1, 0)[0]
    for fn, name in [(haar, "haar"), (hog, "hog"), (hsv_histogram, "hsv"),
                     (ycbcr_histogram, "ycbcr"), (cedd, "cedd")]:
        v = fn(frame)
        assert v.shape == (DESCRIPTOR_SIZES[name],) and np.isfinite(v).all(), name
    assert sum(DESCRIPTOR_SIZES.values()) == 1026
    assert hsv_histogram(frame).sum() == pytest.approx(1)
    assert ycbcr_histogram(frame).reshape(3, 32).sum(1) == pytest.approx([1, 1, 1])
    c = cedd(frame)
    assert set(np.unique(c)) <= set(range(8))


def test_haar_of_flat_and_striped_frames():
    flat = np.full((32, 32, 3), 102, np.uint8)
    v = haar(flat)
    assert np.allclose(v[:18], 0) and np.allclose(v[18:], 102 / 255, atol=1e-3)
    stripes = np.zeros((64, 64, 3), np.uint8)
    stripes[:, 1::2] = 255  # one-pixel columns: all energy in level-1 horizontal detail
    v = haar(stripes)
    level1 = v[:6].reshape(3, 2)[:, 0]  # mean |LH|, |HL|, |HH| at level 1
    assert level1[0] == pytest.approx(1.0) and level1[1] == 0 and level1[2] == 0


def test_hsv_histogram_of_pure_red():
    red = np.zeros((8, 8, 3), np.uint8)
    red[..., 0] = 255
    h = hsv_histogram(red).reshape(8, 4, 4)
    assert h[0, 3, 3] == pytest.approx(1.0)


def test_hog_is_scikit_images_on_a_real_image():
    import cv2
    import skimage.data
    import skimage.feature

    im = skimage.data.astronaut()
    grey = cv2.resize(cv2.cvtColor(im, cv2.COLOR_RGB2GRAY), (64, 64),
                      interpolation=cv2.INTER_AREA)
    ref = skimage.feature.hog(grey, orientations=9, pixels_per_cell=(8, 8),
                              cells_per_block=(2, 2), block_norm="L2-Hys",
                              feature_vector=False)[::2, ::2].ravel()
    np.testing.assert_array_equal(hog(im), ref)  # was a hand-written HOG at r = 0.93
    assert ref.shape == (576,) and ref.std() > 0.05  # a real image: not a flat descriptor


def test_cedd_texture_classes():
    flat = cedd(np.full((80, 80, 3), 90, np.uint8)).reshape(6, 24)
    assert flat[0].sum() > 0 and flat[1:].sum() == 0  # no edges: class 0 only
    frame = np.zeros((80, 80, 3), np.uint8)
    frame[:, 1::2] = 255  # 1-px columns = CEDD's sub-blocks at 80 x 80: vertical edges
    v = cedd(frame).reshape(6, 24)
    assert v[3].sum() > 0 and v[2].sum() == 0  # vertical edges, no horizontal ones


def test_transformer_cedd_is_the_published_descriptor():
    from skvideo_clf.features import _cedd

    pink = np.broadcast_to(np.array([255, 200, 200], np.uint8), (2, 48, 64, 3))
    video = np.concatenate([pink, _frames(2, 3)])
    tf = LowLevelFrameTransformer(("cedd",), n_components=None, output="vector",
                                  sequence_length=None, frame_sampling="all")
    X = tf.fit_transform([video])[0]
    np.testing.assert_array_equal(X, np.stack([_cedd.cedd(f) for f in video]))
    # Pink (H=0, S=55, V=255): white 4/13 -> level 6, light red 9/13 -> level 7 of the
    # published non-edge table (0.3418, 0.5547); the old approximation gave other bins.
    assert np.flatnonzero(X[0]).tolist() == [0, 3] and X[0, [0, 3]].tolist() == [6, 7]


def test_transformer_maps_pca_and_padding():
    videos = [_frames(6, s) for s in range(4)]
    tf = LowLevelFrameTransformer(n_components=16, sequence_length=3, random_state=0)
    X = tf.fit_transform(videos)
    assert X.shape == (4, 3, 4, 4) and X.dtype == np.float32
    assert np.all(X.reshape(12, 16)[:, 12:] == 0)
    assert tf.pca_[-1].n_components_ == 12  # 4 videos x 3 training frames < 16
    pca = tf.pca_
    Y = tf.transform([_frames(2, 9)])
    assert tf.pca_ is pca and Y.shape == (1, 3, 4, 4)  # transform does not refit
    Z = tf.set_params(padding="zeros", sequence_length=5, frame_sampling="all").transform(
        [_frames(2, 9)])
    assert np.all(Z[0, 2:] == 0) and np.any(Z[0, :2] != 0)  # padding stays zero after PCA


def test_default_324_maps_with_few_training_frames(capsys):
    tf = LowLevelFrameTransformer(sequence_length=2, verbose=1)
    X = tf.fit_transform([_frames(2, 0), _frames(2, 1)])
    assert X.shape == (2, 2, 18, 18)
    assert "PCA keeps 4 components" in capsys.readouterr().out
    assert np.all(X.reshape(4, -1)[:, 4:] == 0)


def test_vector_output_and_raw_descriptors():
    tf = LowLevelFrameTransformer(("hsv", "cedd"), n_components=None, output="vector",
                                  sequence_length=None, frame_sampling="all")
    X = tf.fit_transform([_frames(3, 0), _frames(1, 1)])
    assert X.dtype == object and [x.shape for x in X] == [(3, 272), (1, 272)]
    with pytest.raises(ValueError, match="square n_components"):
        LowLevelFrameTransformer(n_components=10).fit([_frames(1, 0)])
    with pytest.raises(ValueError, match="descriptors"):
        LowLevelFrameTransformer(("sift",)).fit([_frames(1, 0)])


def test_cache_reuses_raw_descriptors(tmp_path):
    videos = [_frames(4, s) for s in range(3)]
    a = LowLevelFrameTransformer(n_components=4, sequence_length=2, memory=str(tmp_path),
                                 random_state=0)
    Xa = a.fit_transform(videos)
    b = LowLevelFrameTransformer(n_components=4, sequence_length=2, memory=str(tmp_path),
                                 random_state=0)
    Xb = b.fit_transform(videos)
    assert a.n_frames_computed_ == 6 and b.n_frames_computed_ == 0
    np.testing.assert_allclose(Xa, Xb, atol=1e-5)
