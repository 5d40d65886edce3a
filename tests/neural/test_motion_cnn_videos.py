"""MotionCNNClassifier on videos of flow stacks: train on stacks, average per video."""

import numpy as np
import pytest
import torch
from imblearn.pipeline import Pipeline

from skvideo_clf.datasets import make_video_classification
from skvideo_clf.features import OpticalFlowTransformer, TemporalPooling
from skvideo_clf.neural import LSTMClassifier, MotionCNNClassifier
from skvideo_clf.utils import object_array

SMALL = dict(channels=(8,), fc_size=16, dropout=0.0, max_epochs=20, lr=1e-2,
             random_state=0)


def _flow_videos(n_per_class, T=3, L=2, side=8, seed=0):
    """Videos of flow stacks whose class is the motion's direction: right, left, down."""
    rng = np.random.RandomState(seed)
    y = np.repeat([0, 1, 2], n_per_class)
    X = rng.randn(len(y), T, 2 * L, side, side).astype(np.float32)
    X[y == 0, :, 0::2] += 1.0   # x flow > 0
    X[y == 1, :, 0::2] -= 1.0   # x flow < 0
    X[y == 2, :, 1::2] += 1.0   # y flow > 0
    return X, y


def test_fit_on_videos_of_stacks_predicts_the_motion_direction():
    X, y = _flow_videos(12)
    X_test, y_test = _flow_videos(8, seed=1)
    clf = MotionCNNClassifier(**SMALL).fit(X, y)
    proba = clf.predict_proba(X_test)
    assert proba.shape == (24, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=1e-5)
    assert clf.score(X_test, y_test) > 0.9
    Z = clf.transform(X_test)
    assert Z.shape == (24, 3, 16) and Z.dtype == np.float32
    assert (Z >= 0).all()  # after the FC layer's ReLU: what a chi2 kernel needs
    # one stack per sample, the same network: the per-stack activations and probabilities
    stacks = X_test.reshape(-1, *X_test.shape[2:])
    np.testing.assert_allclose(clf.transform(stacks), Z.reshape(-1, 16), atol=1e-6)
    per_stack = clf.predict_proba(stacks).reshape(24, 3, 3)
    np.testing.assert_allclose(proba, per_stack.mean(axis=1), atol=1e-6)  # [33]'s average
    assert clf.n_features_in_ == 4 * 8 * 8 and clf.input_shape_ == (4, 8, 8)


def test_every_stack_trains_with_its_video_label():
    X, y = _flow_videos(4)
    by_video = MotionCNNClassifier(**{**SMALL, "max_epochs": 2}).fit(X, y)
    by_stack = MotionCNNClassifier(**{**SMALL, "max_epochs": 2}).fit(
        X.reshape(-1, *X.shape[2:]), np.repeat(y, X.shape[1]))
    for a, b in zip(by_video.module_.parameters(), by_stack.module_.parameters()):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-6)
    # "balanced" counts the stacks the loss sums over
    assert by_video.class_counts_.tolist() == [12, 12, 12]


def test_ragged_videos_and_zero_padding_are_the_same_videos():
    X, y = _flow_videos(6)
    ragged = [x[:1 + i % 3] for i, x in enumerate(X)]
    padded = np.zeros_like(X)
    for i, x in enumerate(ragged):
        padded[i, :len(x)] = x
    clf = MotionCNNClassifier(**{**SMALL, "max_epochs": 3}).fit(ragged, y)
    np.testing.assert_allclose(clf.predict_proba(ragged), clf.predict_proba(padded),
                               atol=1e-6)
    Z = clf.transform(ragged)
    assert Z.dtype == object and [z.shape for z in Z[:3]] == [(1, 16), (2, 16), (3, 16)]
    Zp = clf.transform(padded)
    assert Zp.shape == (18, 3, 16)
    for z, zp in zip(Z, Zp):
        np.testing.assert_allclose(zp[:len(z)], z, atol=1e-6)
        assert not zp[len(z):].any()  # padding stays all-zero steps
    # the padded fit is the ragged fit: padding stacks do not train
    again = MotionCNNClassifier(**{**SMALL, "max_epochs": 3}).fit(padded, y)
    np.testing.assert_allclose(again.predict_proba(padded), clf.predict_proba(padded),
                               atol=1e-5)


def test_video_inputs_are_checked():
    X, y = _flow_videos(2)
    with pytest.raises(ValueError, match="different shapes"):
        MotionCNNClassifier(**SMALL).fit([X[0], X[1, :, :, :4]], y[:2])
    with pytest.raises(ValueError, match="expected stacked flow"):
        MotionCNNClassifier(**SMALL).fit(X[:, 0, 0], y)  # (n, H, W): no channels
    bad = X.copy()
    bad[0, 1, 0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        MotionCNNClassifier(**SMALL).fit(bad, y)
    clf = MotionCNNClassifier(**{**SMALL, "max_epochs": 1}).fit(X, y)
    with pytest.raises(ValueError, match="expecting"):
        clf.predict(X[:, :, :2])  # 2 channels where it was fitted on 4


def _moving_square_videos(n_per_class, seed=0):
    """Tiny videos of a square moving right or left (the library's synthetic pair)."""
    videos, y = make_video_classification([n_per_class] * 2, n_frames=10,
                                          random_state=seed)
    return object_array(videos), y


def test_optical_flow_stacks_feed_the_motion_cnn_without_reshaping():
    videos, y = _moving_square_videos(8)
    test_videos, y_test = _moving_square_videos(6, seed=1)
    flow = OpticalFlowTransformer(n_stack=2, output="stack", flow_size=32, sequence_length=3,
                                  subtract_mean=True)
    pipe = Pipeline([("flow", flow), ("cnn", MotionCNNClassifier(**{**SMALL,
                                                                     "max_epochs": 40}))])
    pipe.fit(videos, y)
    assert pipe.score(test_videos, y_test) >= 0.75  # 1.0 today; chance is 0.5
    # per-stack fc activations: an LSTM reads them, TemporalPooling averages them
    Z = pipe.transform(test_videos)
    assert Z.shape == (12, 3, 16) and (Z >= 0).all()
    assert TemporalPooling().fit_transform(Z).shape == (12, 16)
    lstm = LSTMClassifier(hidden_sizes=(4,), max_epochs=1, random_state=0).fit(Z, y_test)
    assert lstm.predict_proba(Z).shape == (12, 2)
    # every time step of every video (sequence_length=None): the variable-length form
    pipe.set_params(flow__sequence_length=None, flow__frame_sampling="all")
    Z = pipe.transform(test_videos[:2])
    assert Z.dtype == object and [z.shape for z in Z] == [(10, 16), (10, 16)]
    assert pipe.predict_proba(test_videos[:2]).shape == (2, 2)


def test_crop_and_flip_as_the_two_stream_networks():
    X, y = _flow_videos(4, side=8)
    clf = MotionCNNClassifier(**{**SMALL, "max_epochs": 2}, crop_size=6, flip=True).fit(X, y)
    # predict and transform see the centre crop
    with torch.no_grad():
        clf.module_.eval()
        stacks = torch.from_numpy(X.reshape(-1, 4, 8, 8))
        centre = clf.module_.embed(stacks[:, :, 1:7, 1:7]).numpy()
    np.testing.assert_allclose(clf.transform(X).reshape(-1, 16), centre, atol=1e-5)
    # training batches: a random 6x6 window of each stack, mirrored (x flow negated) or not
    clf.module_.train()
    torch.manual_seed(0)
    batch = torch.arange(64 * 4 * 8 * 8, dtype=torch.float32).reshape(64, 4, 8, 8)
    out = clf._crop_and_flip(batch)
    assert out.shape == (64, 4, 6, 6)
    windows, mirrors = set(), 0
    for src, crop in zip(batch, out):
        mirrored = bool(crop[0, 0, 0] < 0)  # the input is positive: a negated x channel
        if mirrored:
            mirrors += 1
            crop = crop.flip(-1)
            crop[0::2] = -crop[0::2]
        hits = [(t, u) for t in range(3) for u in range(3)
                if torch.equal(src[:, t:t + 6, u:u + 6], crop)]
        assert len(hits) == 1
        windows.add(hits[0])
    assert 16 < mirrors < 48 and len(windows) > 4
    with pytest.raises(ValueError, match="crop_size=9 is larger than the flow maps"):
        MotionCNNClassifier(**SMALL, crop_size=9).fit(X, y)
