"""The hybrid framework paper's networks (two streams, LSTMs, fusion) as it configures them.

Numbers worked out from the paper's layers and equations: CNN-M-2048 layer counts, the hybrid
framework's LSTM and fusion-net counts, and the worked proximal steps of Eq. 3 / Eq. 4.
"""

import math

import numpy as np
import pytest
import torch
from network_sizes import n_params
from skorch.callbacks import LRScheduler

from skvideo_clf.features import OpticalFlowTransformer
from skvideo_clf.neural import (
    FusionNetClassifier,
    LSTMClassifier,
    MotionCNNClassifier,
    prox_l21_l11,
)
from skvideo_clf.neural._modules import CNNM2048, FusionModule, SequenceLSTMModule


# ---------------------------------------------------------------- motion CNN (CNN-M-2048)
def test_cnn_m_2048_layer_and_total_parameter_counts():
    with torch.device("meta"):  # shapes and counts without allocating 90M weights
        net = CNNM2048(in_channels=20, n_classes=101)                  # 2L = 20, L = 10
        layers = [m for m in net.modules() if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear))]
        assert [n_params(m) for m in layers] == [
            94_176, 614_656, 1_180_160, 2_359_808, 2_359_808,         # conv1..conv5
            75_501_568, 8_390_656, 206_949]                             # fc6, fc7, fc8
        assert sum(n_params(m) for m in layers[:5]) == 6_608_608
        assert sum(n_params(m) for m in layers[:6]) == 82_110_176
        assert n_params(net) == 90_707_781
        # ceil-rounded 3x3/2 pools: fc6 sees 6x6x512 = 18,432 (floor would give 5x5 -> 12,800)
        assert net.fc[0].in_features == 18_432 and net.fc[0].out_features == 4096
        x, sides = torch.empty(1, 20, 224, 224), []
        for layer in net.body:
            x = layer(x)
            if isinstance(layer, (torch.nn.Conv2d, torch.nn.MaxPool2d)):
                sides.append(x.shape[-1])
        assert sides == [109, 54, 26, 13, 13, 13, 13, 6]
        convs = [m for m in net.body if isinstance(m, torch.nn.Conv2d)]
        assert [(c.out_channels, c.kernel_size[0], c.stride[0], c.padding[0]) for c in convs] \
            == [(96, 7, 2, 0), (256, 5, 2, 1), (512, 3, 1, 1), (512, 3, 1, 1), (512, 3, 1, 1)]
        # LRN after conv1 only ([33]'s temporal net drops conv2's)
        assert sum(isinstance(m, torch.nn.LocalResponseNorm) for m in net.body) == 1
        assert net(torch.empty(2, 20, 224, 224)).shape == (2, 101)


def test_motion_cnn_seed004_preset():
    clf = MotionCNNClassifier.from_preset("hybrid-fusion")
    assert clf.architecture == "cnn_m_2048"
    assert clf.optimizer is torch.optim.SGD and clf.lr == 1e-2          # Section 4.1.2
    assert clf.get_params()["optimizer__momentum"] == 0.9               # Section 4.1.2
    (name, sched), = clf.callbacks
    assert name == "lr_schedule" and isinstance(sched, LRScheduler)
    assert sched.policy is torch.optim.lr_scheduler.MultiStepLR
    assert sched.step_every == "batch"                                   # "iterations"
    assert sched.kwargs == {"milestones": [100_000, 200_000], "gamma": 0.1}   # Section 4.1.2
    # two presets never share a callback (its state would leak between fits)
    assert MotionCNNClassifier.from_preset("hybrid-fusion").callbacks[0][1] is not sched


def test_motion_cnn_seed004_schedule_steps_per_batch():
    rng = np.random.RandomState(0)
    X = rng.randn(6, 4, 8, 8).astype(np.float32)
    y = np.repeat([0, 1], 3)
    clf = MotionCNNClassifier.from_preset(
        "hybrid-fusion", architecture="small", channels=(2,), fc_size=4, batch_size=1,
        max_epochs=1, random_state=0, iterator_train__shuffle=False,
        callbacks=[("lr_schedule", LRScheduler(torch.optim.lr_scheduler.MultiStepLR,
                                                milestones=[2, 4], gamma=0.1,
                                                step_every="batch"))])
    clf.fit(X, y)
    lrs = [b["event_lr"] for b in clf.history_[-1]["batches"]]
    np.testing.assert_allclose(lrs, [1e-2, 1e-2, 1e-3, 1e-3, 1e-4, 1e-4])


def test_motion_cnn_seed004_transform_is_fc6():
    rng = np.random.RandomState(0)
    X = rng.randn(4, 20, 57, 57).astype(np.float32)     # the smallest maps CNN-M takes
    y = np.array([0, 1, 0, 1])
    clf = MotionCNNClassifier.from_preset("hybrid-fusion", max_epochs=0, random_state=0).fit(X, y)
    Z = clf.transform(X)
    assert Z.shape == (4, 4096) and Z.dtype == np.float32 and (Z >= 0).all()
    with torch.no_grad():
        clf.module_.eval()
        fc6 = clf.module_.fc(clf.module_.body(torch.from_numpy(X)))
    np.testing.assert_allclose(Z, fc6.numpy(), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="at least 57x57"):
        MotionCNNClassifier.from_preset("hybrid-fusion", max_epochs=0).fit(X[:, :, :56, :56], y)


def test_flow_stack_for_the_motion_cnn_subtracts_the_mean_flow():
    video = np.zeros((12, 48, 48, 3), np.uint8)
    for t in range(12):                                   # a textured square moving right
        video[t, 12:32, 4 + 2 * t: 24 + 2 * t] = np.arange(20, dtype=np.uint8)[:, None] * 12
    kw = dict(n_stack=10, output="stack", flow_size=224, sequence_length=1)
    raw = OpticalFlowTransformer(**kw).fit_transform([video])
    tf = OpticalFlowTransformer(subtract_mean=True, **kw)
    X = tf.fit_transform([video])
    assert X.shape == raw.shape == (1, 1, 20, 224, 224)   # 2L = 20 channels at 224 px
    fields = X[0, 0]
    np.testing.assert_allclose(fields.mean(axis=(1, 2)), 0, atol=1e-4)
    assert np.abs(raw[0, 0].mean(axis=(1, 2))).max() > 0.05      # there was a mean to remove
    np.testing.assert_allclose(
        fields, raw[0, 0] - raw[0, 0].mean(axis=(1, 2), keepdims=True), atol=1e-4)
    # the option is part of the cache identity
    assert tf._cache_identity()["params"]["subtract_mean"] is True
    assert tf._cache_identity() != OpticalFlowTransformer(**kw)._cache_identity()


# ---------------------------------------------------------------- LSTM budget
def test_lstm_seed004_preset_and_counts():
    clf = LSTMClassifier.from_preset("hybrid-fusion")
    assert tuple(clf.hidden_sizes) == (1024, 512)                        # Section 4.1.2
    assert clf.optimizer is torch.optim.SGD and clf.lr == 1e-4 and clf.batch_size == 10
    assert clf.get_params()["optimizer__momentum"] == 0.9                # Section 4.1.2
    # "stopped after 150K iterations" (Section 4.1.2) at batch 10 on UCF-101 split 1's 9,537 videos
    assert clf.max_epochs == math.ceil(150_000 / math.ceil(9537 / 10)) == 158
    with torch.device("meta"):
        lstm = SequenceLSTMModule(n_features=4096, n_classes=101, hidden_sizes=(1024, 512))
    b_hh = sum(p.numel() for n, p in lstm.named_parameters() if "bias_hh" in n)
    assert n_params(lstm) == 24_181_349 and n_params(lstm) - b_hh == 24_175_205


# ---------------------------------------------------------------- fusion net, prox
V = torch.tensor([[3.0, -4.0], [0.1, 0.1], [0.5, -2.0]], dtype=torch.float64)


@pytest.mark.parametrize("kwargs, expected", [
    (dict(lambda2=2.0, lambda3=0.0, step=1.0, mode="exact"),           # t1 = 0, t2 = 1
     [[2.4, -3.2], [0, 0], [0.257464, -1.029857]]),
    (dict(lambda2=2.0, lambda3=0.0, mode="as_printed"),                # t1 = 0, t2 = 2
     [[1.8, -2.4], [0, 0], [0.014929, -0.059715]]),
    (dict(lambda2=2.0, lambda3=1.0, mode="as_printed"),                # t1 = 1, t2 = 2
     [[0.890600, -1.335899], [0, 0], [0, 0]]),
    (dict(lambda2=2.0, lambda3=1.0, step=0.7, mode="exact"),           # t1 = t2 = 0.7
     [[1.899745, -2.725721], [0, 0], [0, -0.6]]),
])
def test_prox_worked_examples(kwargs, expected):
    out = prox_l21_l11(V, **kwargs)
    np.testing.assert_allclose(out.numpy(), expected, atol=2e-6)
    # the (.)_+ clamp: no sign flips (unclamped, row 3 of Eq. 4 with t1=1, t2=2 is [0, +1])
    assert (out * V >= 0).all()


def test_prox_modes_relation():
    lam2, lam3, lr = 0.3, 0.2, 0.7
    # as printed, the thresholds ignore the step ...
    torch.testing.assert_close(prox_l21_l11(V, lam2, lam3, step=lr, mode="as_printed"),
                               prox_l21_l11(V, lam2, lam3, mode="as_printed"))
    # ... exact at lr 0.7 thresholds 0.7 lambda3 and 0.35 lambda2
    torch.testing.assert_close(prox_l21_l11(V, lam2, lam3, step=lr),
                               prox_l21_l11(V, 0.35 * lam2, 0.7 * lam3, mode="as_printed"))
    with pytest.raises(ValueError, match="exact"):
        prox_l21_l11(V, lam2, lam3, mode="eq4")


def test_fusion_net_as_printed_step():
    rng = np.random.RandomState(0)
    X = rng.randn(40, 6).astype(np.float32)
    y = (X[:, 0] + X[:, 4] > 0).astype(int)
    clf = FusionNetClassifier(streams={"a": slice(0, 3), "b": slice(3, None)}, stream_size=4,
                              fusion_size=5, optimizer=torch.optim.SGD, lr=0.7, lambda1=0.0,
                              lambda2=0.2, lambda3=0.05, prox="as_printed", max_epochs=0,
                              random_state=0, batch_size=40).fit(X, y)
    w = clf.module_.fusion.weight.detach().clone()
    clf.module_.zero_grad()
    clf.module_.train()
    torch.nn.functional.cross_entropy(clf.module_(torch.from_numpy(X)),
                                      torch.as_tensor(y)).backward()
    expected = prox_l21_l11(w - 0.7 * clf.module_.fusion.weight.grad, 0.2, 0.05,
                            mode="as_printed")
    clf.set_params(max_epochs=1, warm_start=True, iterator_train__shuffle=False).fit(X, y)
    torch.testing.assert_close(clf.module_.fusion.weight.detach(), expected,
                               atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="prox"):
        FusionNetClassifier(prox="eq4", max_epochs=0).fit(X, y)


def test_fusion_net_seed004_preset_counts_and_cv():
    clf = FusionNetClassifier.from_preset("hybrid-fusion")
    assert (clf.stream_size, clf.fusion_size) == (200, 200)             # Section 4.1.2
    assert clf.optimizer is torch.optim.SGD and clf.lr == 0.7 and clf.lambda1 == 3e-5  # 893
    assert clf.prox == "exact"
    with torch.device("meta"):
        net = FusionModule([range(4096), range(4096, 8192)], n_classes=101)
    assert n_params(net) == 1_739_301 and n_params(net.fusion) == 80_200
    # lambda2, lambda3 by cross-validation "in the same range as lambda1" (Section 4.1.2)
    search = FusionNetClassifier.from_preset_cv("hybrid-fusion")
    grid = FusionNetClassifier.CV_GRIDS["hybrid-fusion"]
    assert search.param_grid is grid and set(grid) == {"lambda2", "lambda3"}
    assert {0.0, 3e-5} <= set(grid["lambda2"]) and grid["lambda2"] == grid["lambda3"]
    assert search.estimator.lr == 0.7 and search.cv == 3
    rng = np.random.RandomState(0)
    X = rng.randn(30, 4).astype(np.float32)
    y = (X[:, 0] + X[:, 2] > 0).astype(int)
    search = FusionNetClassifier.from_preset_cv(
        "hybrid-fusion", param_grid={"lambda2": [0.0, 1e-3], "lambda3": [0.0]}, cv=2,
        streams={"a": slice(0, 2), "b": slice(2, None)}, stream_size=4, fusion_size=4,
        max_epochs=2, random_state=0).fit(X, y)
    assert search.best_params_["lambda2"] in (0.0, 1e-3)
    assert search.best_estimator_.lambda2 == search.best_params_["lambda2"]
    assert len(search.cv_results_["params"]) == 2
