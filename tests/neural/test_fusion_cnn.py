"""Fusion network (proximal step), feature-map CNN, motion CNN, frame voting."""

import numpy as np
import pytest
import torch
from scipy.optimize import minimize

from skvideo_clf.neural import (
    FeatureMapCNNClassifier,
    FrameVotingClassifier,
    FusionNetClassifier,
    MotionCNNClassifier,
    prox_l21_l11,
)


def _prox_objective(w_flat, v, lambda2, lambda3, step):
    w = w_flat.reshape(v.shape)
    penalty = lambda2 / 2 * np.linalg.norm(w, axis=1).sum() + lambda3 * np.abs(w).sum()
    return 0.5 * np.sum((w - v) ** 2) + step * penalty


@pytest.mark.parametrize("lambda2, lambda3, step", [
    (1.0, 0.0, 1.0), (0.0, 0.3, 1.0), (1.5, 0.2, 0.7), (4.0, 0.1, 0.5),
])
def test_prox_matches_numerical_minimization(lambda2, lambda3, step):
    rng = np.random.RandomState(0)
    v = rng.randn(6, 4)
    v[0] *= 0.1                                  # a row the l2,1 term should zero out
    closed = prox_l21_l11(torch.tensor(v), lambda2, lambda3, step=step).numpy()
    res = minimize(_prox_objective, v.ravel(), args=(v, lambda2, lambda3, step),
                   method="Powell", options={"xtol": 1e-10, "ftol": 1e-14, "maxiter": 200000})
    f_closed = _prox_objective(closed.ravel(), v, lambda2, lambda3, step)
    assert f_closed <= res.fun + 1e-7            # no point found beats the closed form
    np.testing.assert_allclose(closed, res.x.reshape(v.shape), atol=2e-3)
    if lambda2 * step / 2 > np.linalg.norm(np.maximum(np.abs(v[0]) - step * lambda3, 0)):
        assert np.all(closed[0] == 0)


def test_prox_is_identity_without_penalty_and_shrinks_rows():
    v = torch.randn(5, 3)
    torch.testing.assert_close(prox_l21_l11(v, 0.0, 0.0), v)
    out = prox_l21_l11(v, 0.5, 0.0, step=1.0)
    np.testing.assert_allclose(torch.linalg.vector_norm(out, dim=1).numpy(),
                               np.maximum(torch.linalg.vector_norm(v, dim=1).numpy() - 0.25, 0),
                               atol=1e-6)


@pytest.fixture(scope="module")
def two_streams():
    rng = np.random.RandomState(0)
    X = rng.randn(80, 10).astype(np.float32)
    y = np.where(X[:, 0] + X[:, 7] > 0, "pos", "neg")
    return X, y


def test_fusion_net_streams_and_regularization(two_streams):
    X, y = two_streams
    streams = {"spatial": slice(0, 6), "motion": slice(6, None)}
    plain = FusionNetClassifier(streams=streams, stream_size=6, fusion_size=10, lr=0.05,
                                max_epochs=30, random_state=0).fit(X, y)
    assert [lin.in_features for lin in plain.module_.streams] == [6, 4]
    assert plain.module_.fusion.weight.shape == (10, 12)
    assert plain.optimizer_.param_groups[0]["weight_decay"] == 3e-5     # lambda1
    assert plain.score(X, y) > 0.9
    group = FusionNetClassifier(streams=streams, stream_size=6, fusion_size=10, lr=0.05,
                                lambda2=4.0, max_epochs=30, random_state=0).fit(X, y)
    rows = torch.linalg.vector_norm(group.module_.fusion.weight, dim=1)
    assert int((rows == 0).sum()) >= 1           # the l2,1 term empties whole fusion units
    assert group.score(X, y) > 0.9
    lasso = FusionNetClassifier(streams=streams, stream_size=6, fusion_size=10, lr=0.05,
                                lambda3=0.3, max_epochs=30, random_state=0).fit(X, y)
    assert int((lasso.module_.fusion.weight == 0).sum()) >= 5    # the l1,1 term: entries
    assert lasso.score(X, y) > 0.9
    assert int((plain.module_.fusion.weight == 0).sum()) == 0


def test_fusion_net_sgd_step_is_exactly_proximal_gradient(two_streams):
    X, y = two_streams
    clf = FusionNetClassifier(stream_size=4, fusion_size=5, optimizer=torch.optim.SGD,
                              lr=0.7, lambda1=0.0, lambda2=0.2, lambda3=0.05,
                              max_epochs=0, random_state=0, batch_size=80)
    clf.fit(X, y)
    w = clf.module_.fusion.weight.detach().clone()
    clf.module_.zero_grad()
    clf.module_.train()
    loss = torch.nn.functional.cross_entropy(
        clf.module_(torch.from_numpy(X)), torch.as_tensor(clf.label_encoder_.transform(y)))
    loss.backward()
    expected = prox_l21_l11(w - 0.7 * clf.module_.fusion.weight.grad, 0.2, 0.05, step=0.7)
    clf.set_params(max_epochs=1, warm_start=True, iterator_train__shuffle=False).fit(X, y)
    torch.testing.assert_close(clf.module_.fusion.weight.detach(), expected,
                               atol=1e-5, rtol=1e-4)


def test_fusion_net_bad_streams(two_streams):
    X, y = two_streams
    with pytest.raises(ValueError, match="reaches past"):
        FusionNetClassifier(streams={"a": slice(0, 20)}, max_epochs=1).fit(X, y)


def test_feature_map_cnn_matches_table_iii():
    rng = np.random.RandomState(0)
    X = rng.randn(24, 324).astype(np.float32)
    y = np.repeat([0, 1], 12)
    clf = FeatureMapCNNClassifier(max_epochs=1, random_state=0).fit(X, y)
    assert clf.map_shape_ == (1, 18, 18)
    shapes = []
    x = torch.from_numpy(clf._to_model_input(X[:1]))
    for layer in clf.module_.body:
        x = layer(x)
        if isinstance(layer, torch.nn.Conv2d):
            shapes.append(tuple(x.shape[1:]))
    assert shapes == [(6, 16, 16), (9, 14, 14)]
    assert clf.module_.head.in_features == 9 * 14 * 14
    assert not any(isinstance(m, torch.nn.MaxPool2d) for m in clf.module_.modules())
    # A non-square width is laid out on the next square, zero-padded.
    clf = FeatureMapCNNClassifier(max_epochs=1).fit(X[:, :50], y)
    assert clf.map_shape_ == (1, 8, 8)
    with pytest.raises(ValueError, match="at least 5x5"):
        FeatureMapCNNClassifier(max_epochs=1).fit(np.zeros((4, 3, 3), np.float32), y[:4])


def test_motion_cnn_transform_gives_first_fc_activations():
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1], 20)
    X = rng.randn(40, 4, 8, 8).astype(np.float32)
    X[y == 1, 0] += 1.0
    clf = MotionCNNClassifier(fc_size=12, max_epochs=15, random_state=0).fit(X, y)
    Z = clf.transform(X)
    assert Z.shape == (40, 12) and Z.dtype == np.float32 and (Z >= 0).all()   # after ReLU
    with torch.no_grad():
        clf.module_.eval()
        logits = clf.module_.head(torch.from_numpy(Z))
    np.testing.assert_allclose(torch.softmax(logits, 1).numpy(), clf.predict_proba(X),
                               atol=1e-5)
    assert clf.score(X, y) > 0.9
    # forward_iter batches by batch_size; the features do not depend on the batching
    np.testing.assert_allclose(clf.set_params(batch_size=7).transform(X), Z, atol=1e-6)
    with pytest.raises(ValueError, match="stacked flow"):
        clf.fit(np.zeros((4, 4, 8), np.float32), y[:4])  # (n, H, W): no channels


def test_frame_voting_is_a_majority_vote():
    clf = FrameVotingClassifier(hidden_size=4, max_epochs=1, random_state=0)
    X = np.ones((4, 3, 2), np.float32)  # all-zero steps at the end would be padding
    clf.fit(X, ["a", "b", "a", "b"])

    # Frame probabilities that disagree with the average: 2 frames weakly "b", 1 frame
    # strongly "a" -> the vote says "b", the mean probability says "a".
    def fake(data, _orig=clf._step_proba):
        _, lengths = _orig(data)
        p = np.tile([[0.45, 0.55], [0.45, 0.55], [0.99, 0.01]], (len(lengths), 1))
        return p, lengths

    clf._step_proba = fake
    assert clf.predict(X).tolist() == ["b"] * 4
    assert clf.predict_proba(X)[0, 0] > 0.5
    del clf._step_proba
    ragged = np.empty(2, dtype=object)
    ragged[:] = [np.zeros((5, 2), np.float32), np.ones((1, 2), np.float32)]
    assert clf.predict_proba(ragged).shape == (2, 2)


def test_frame_voting_balances_classes_by_their_frames():
    # 2 videos of class a with 10 frames each, 2 of class b with 2 frames: the loss sums 20
    # a-frames and 4 b-frames, so "balanced" must weigh by frames (n / (k n_c) = 24 / (2 n_c))
    rng = np.random.RandomState(0)
    X = np.empty(4, dtype=object)
    for i, t in enumerate([10, 10, 2, 2]):
        X[i] = rng.randn(t, 3).astype(np.float32)
    clf = FrameVotingClassifier(class_weight="balanced", hidden_size=4, max_epochs=1,
                                random_state=0).fit(X, ["a", "a", "b", "b"])
    np.testing.assert_allclose(clf.class_weight_, [24 / 40, 24 / 8])
    np.testing.assert_allclose(clf.criterion_.weight.numpy(), [0.6, 3.0], rtol=1e-6)
