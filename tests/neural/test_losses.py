"""Known answers of the long-tail losses, and what they do on a 20:1 problem."""

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from sklearn.base import clone
from sklearn.metrics import recall_score

from skvideo_clf.neural import (
    FocalLoss,
    FrameStack,
    FrameVotingClassifier,
    LDAMLoss,
    LogitAdjustedLoss,
    LSTMClassifier,
    MixedTargetLoss,
    SigmoidFocalLoss,
    effective_number_weights,
    ldam_margins,
)


def _logits(n=16, k=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, k, generator=g, dtype=torch.float64) * 2).requires_grad_(), \
        torch.randint(0, k, (n,), generator=g)


def _value_and_grad(loss_fn, logits, y):
    value = loss_fn(logits, y)
    (grad,) = torch.autograd.grad(value, logits)
    return value.detach(), grad


@pytest.mark.parametrize("weight", [None, torch.tensor([1.0, 2.0, 0.5, 3.0],
                                                       dtype=torch.float64)])
def test_focal_gamma_0_is_cross_entropy_loss_and_gradient(weight):
    logits, y = _logits()
    v, g = _value_and_grad(FocalLoss(gamma=0.0, weight=weight), logits, y)
    v_ce, g_ce = _value_and_grad(lambda z, t: F.cross_entropy(z, t, weight=weight),
                                 logits, y)
    torch.testing.assert_close(v, v_ce)
    torch.testing.assert_close(g, g_ce)


def test_focal_formula_and_down_weighting_of_easy_samples():
    logits, y = _logits()
    p_t = torch.softmax(logits, -1).gather(1, y[:, None]).squeeze(1)
    expected = (-(1 - p_t) ** 2 * torch.log(p_t)).mean()
    torch.testing.assert_close(FocalLoss()(logits, y), expected)
    # a confident correct sample loses far more of its loss than a wrong one
    z = torch.tensor([[4.0, 0.0], [0.0, 4.0]], dtype=torch.float64)
    t = torch.tensor([0, 0])
    ratio = FocalLoss(reduction="none")(z, t) / F.cross_entropy(z, t, reduction="none")
    assert ratio[0] < 1e-3 and ratio[1] > 0.95


def test_sigmoid_focal_gamma_0_is_bce_and_gradient():
    logits, _ = _logits()
    y = (torch.rand(logits.shape, generator=torch.Generator().manual_seed(1)) > 0.6).double()
    pw = torch.tensor([1.0, 3.0, 0.5, 2.0], dtype=torch.float64)
    v, g = _value_and_grad(SigmoidFocalLoss(gamma=0.0, pos_weight=pw), logits, y)
    v_b, g_b = _value_and_grad(
        lambda z, t: F.binary_cross_entropy_with_logits(z, t, pos_weight=pw), logits, y)
    torch.testing.assert_close(v, v_b)
    torch.testing.assert_close(g, g_b)


def test_logit_adjustment_tau_0_is_cross_entropy_and_tau_1_adds_log_prior():
    logits, y = _logits()
    counts = [400, 100, 20, 5]
    v, g = _value_and_grad(LogitAdjustedLoss(counts, tau=0.0), logits, y)
    v_ce, g_ce = _value_and_grad(F.cross_entropy, logits, y)
    torch.testing.assert_close(v, v_ce)
    torch.testing.assert_close(g, g_ce)
    prior = torch.tensor(counts, dtype=torch.float64) / sum(counts)
    torch.testing.assert_close(LogitAdjustedLoss(counts)(logits, y),
                               F.cross_entropy(logits + prior.log(), y))


def test_ldam_margins_follow_n_to_the_minus_quarter_with_max_C():
    counts = np.array([10000, 625, 16, 1])
    m = ldam_margins(counts, max_margin=0.5)
    np.testing.assert_allclose(m, [0.05, 0.1, 0.25, 0.5], rtol=1e-6)
    np.testing.assert_allclose(m * counts ** 0.25, 0.5 * np.ones(4), rtol=1e-6)
    logits, y = _logits(k=4)
    loss = LDAMLoss(counts, max_margin=0.5, scale=30.0)
    shifted = logits - F.one_hot(y, 4) * torch.as_tensor(m, dtype=torch.float64)[y][:, None]
    torch.testing.assert_close(loss(logits, y), F.cross_entropy(30.0 * shifted, y))


def test_effective_number_weights_formula_normalised_to_n_classes():
    counts = np.array([5000, 500, 50, 5])
    for beta in (0.9, 0.999, 0.9999):
        raw = (1 - beta) / (1 - beta ** counts)
        expected = raw / raw.sum() * len(counts)
        np.testing.assert_allclose(effective_number_weights(counts, beta), expected,
                                   rtol=1e-5)
    np.testing.assert_allclose(effective_number_weights(counts, 0.0), np.ones(4))
    with pytest.raises(ValueError, match="positive count"):
        effective_number_weights([3, 0, 1])


def _twenty_to_one(seed, n_major, n_minor):
    """Two overlapping 2-D Gaussians (unit variance, means 1.5 apart per axis) as
    length-1 sequences."""
    rng = np.random.RandomState(seed)
    X = np.r_[rng.randn(n_major, 2), rng.randn(n_minor, 2) + 1.5].astype(np.float32)
    return X[:, None, :], np.r_[np.zeros(n_major, int), np.ones(n_minor, int)]


@pytest.fixture(scope="module")
def twenty_to_one():
    X, y = _twenty_to_one(0, 1000, 50)
    X_test, y_test = _twenty_to_one(1, 1000, 1000)
    net = LSTMClassifier(hidden_sizes=(16,), max_epochs=15, batch_size=128, lr=0.02,
                         random_state=0)

    def minority_recall(model):
        return recall_score(y_test, model.predict(X_test), pos_label=1)

    ce = clone(net).fit(X, y)  # cross-entropy: the reference of every test below
    return X, y, net, ce, minority_recall


def test_logit_adjusted_loss_and_posthoc_raise_minority_recall(twenty_to_one):
    X, y, net, ce, minority_recall = twenty_to_one
    ce = copy.deepcopy(ce)
    la = clone(net).set_params(loss="logit_adjusted").fit(X, y)
    r_ce, r_la = minority_recall(ce), minority_recall(la)
    assert r_ce < 0.6  # cross-entropy favours the majority on this overlap
    assert r_la > r_ce + 0.2
    # the same network, adjusted after training: no retraining
    ce.set_params(posthoc_tau=1.0)
    assert minority_recall(ce) > r_ce + 0.12
    np.testing.assert_allclose(ce.predict_proba(X[:5]).sum(axis=1), 1, rtol=1e-5)


def test_ldam_drw_and_effective_number_raise_minority_recall(twenty_to_one):
    X, y, net, ce, minority_recall = twenty_to_one
    r_ce = minority_recall(ce)
    drw = clone(net).set_params(loss="ldam", class_weight="effective_number",
                                reweight_start=0.8).fit(X, y)
    assert minority_recall(drw) > r_ce + 0.2
    cb = clone(net).set_params(loss="focal", class_weight="effective_number").fit(X, y)
    assert minority_recall(cb) > r_ce + 0.2


def test_deferred_reweighting_switches_class_weights_on_at_the_epoch():
    X, y = _twenty_to_one(0, 100, 10)
    seen = []
    net = LSTMClassifier(hidden_sizes=(4,), max_epochs=5, class_weight="balanced",
                         loss="ldam", reweight_start=3, random_state=0)
    orig = LDAMLoss.forward

    def spy(self, logits, target):
        seen.append(self.weight is not None)
        return orig(self, logits, target)

    LDAMLoss.forward = spy
    try:
        net.fit(X, y)
    finally:
        LDAMLoss.forward = orig
    per_epoch = np.array(seen).reshape(5, -1)
    assert not per_epoch[:3].any() and per_epoch[3:].all()
    assert net.criterion_.weight is not None  # restored after training


def test_priors_count_labels_before_resampling():
    X, y = _twenty_to_one(0, 100, 10)
    # an over-sampler's output: the minority repeated to balance
    Xr, yr = np.r_[X, np.repeat(X[y == 1], 9, axis=0)], np.r_[y, np.ones(90, int)]
    net = LSTMClassifier(hidden_sizes=(4,), max_epochs=1, loss="logit_adjusted",
                         class_weight="effective_number", random_state=0)
    net.fit(Xr, yr, y_before_resampling=y)
    np.testing.assert_array_equal(net.class_counts_, [100, 10])
    torch.testing.assert_close(net.criterion_.log_prior,
                               torch.log(torch.tensor([100 / 110, 10 / 110])))
    np.testing.assert_allclose(net.class_weight_, effective_number_weights([100, 10]))
    net.fit(Xr, yr)
    np.testing.assert_array_equal(net.class_counts_, [100, 100])
    # sample weights count as repetitions
    net.fit(X, y, sample_weight=np.where(y == 1, 3.0, 1.0))
    np.testing.assert_array_equal(net.class_counts_, [100, 30])


@pytest.mark.parametrize("params", [dict(loss="ldam"), dict(loss="logit_adjusted"),
                                    dict(posthoc_tau=1.0)])
def test_softmax_only_options_refuse_multilabel(params):
    X = np.random.RandomState(0).randn(20, 3, 2).astype(np.float32)
    Y = np.c_[np.arange(20) % 2, np.arange(20) % 3 == 0].astype(int)
    with pytest.raises(ValueError, match="not for multi-label"):
        LSTMClassifier(max_epochs=1, **params).fit(X, Y)


def test_multilabel_focal_and_effective_number():
    X = np.random.RandomState(0).randn(30, 3, 2).astype(np.float32)
    Y = np.c_[X[:, 0, 0] > 0, X[:, 0, 1] > 1].astype(int)
    net = LSTMClassifier(max_epochs=2, loss="focal", class_weight="effective_number",
                         random_state=0).fit(X, Y)
    assert isinstance(net.criterion_, SigmoidFocalLoss)
    np.testing.assert_allclose(net.criterion_.weight.numpy(),
                               effective_number_weights(Y.sum(axis=0)))
    assert net.predict(X).shape == Y.shape


def test_refit_head_class_balanced_draws_classes_uniformly():
    X, y = _twenty_to_one(0, 200, 10)
    net = LSTMClassifier(hidden_sizes=(4,), max_epochs=2, batch_size=-1,
                         random_state=0).fit(X, y)
    drawn = []
    orig = net.get_loss

    def spy(y_pred, y_true, *args, **kwargs):
        if kwargs.get("training"):
            drawn.append(y_true.numpy().copy())
        return orig(y_pred, y_true, *args, **kwargs)

    net.get_loss = spy
    net.refit_head(X, y, max_epochs=10, sampling="class_balanced")
    share = np.concatenate(drawn).mean()
    assert 0.4 < share < 0.6  # against 10 / 210 without it
    body = [p for n, p in net.module_.named_parameters() if not n.startswith("head.")]
    assert not any(p.requires_grad for p in body)
    with pytest.raises(ValueError, match="sampling"):
        net.refit_head(X, y, sampling="balanced")


def test_frame_voting_takes_the_losses():
    X, y = _twenty_to_one(0, 40, 10)
    X = np.repeat(X, 3, axis=1)
    net = FrameVotingClassifier(hidden_size=8, max_epochs=2, loss="logit_adjusted",
                                random_state=0).fit(X, y)
    # one loss term per frame: counts are frames, the prior the same
    np.testing.assert_array_equal(net.class_counts_, [120, 30])
    assert net.predict(X).shape == y.shape


def test_mixed_target_loss_is_the_soft_target_cross_entropy():
    logits, y = _logits()
    y_mix = y.roll(1)
    beta = torch.linspace(0, 1, len(y), dtype=torch.float64)
    crit = MixedTargetLoss(torch.nn.CrossEntropyLoss())
    crit.mix(y_mix, beta)
    soft = (1 - beta)[:, None] * F.one_hot(y, 4) + beta[:, None] * F.one_hot(y_mix, 4)
    torch.testing.assert_close(crit(logits, y), F.cross_entropy(logits, soft.double()))
    # one call only; then the plain loss
    torch.testing.assert_close(crit(logits, y), F.cross_entropy(logits, y))
    crit.weight = torch.ones(4, dtype=torch.float64)
    assert crit.inner.weight is crit.weight


def test_framestack_stacks_frames_by_class_precision():
    rng = np.random.RandomState(0)
    X = np.repeat(np.arange(40, dtype=np.float32)[:, None, None], 6, axis=1)
    X = np.concatenate([X, rng.randn(40, 6, 1).astype(np.float32)], axis=2)
    y = np.r_[np.zeros(32, int), np.ones(8, int)]
    stacked = []

    class Spy(FrameStack):
        def _stack(self, net, Xi, y):
            super()._stack(net, Xi, y)
            stacked.append((Xi["x"][:, :, 0].numpy().copy(), self.average_precision_))

    fs = Spy(ratio=0.5)
    net = LSTMClassifier(hidden_sizes=(4,), max_epochs=3, batch_size=20, random_state=0,
                         callbacks=[("framestack", fs)]).fit(X, y)
    assert len(stacked) == 2 * 2  # epochs 2 and 3, two batches each
    x0, ap = stacked[0]
    assert ap.shape == (2,) and ((ap >= 0) & (ap <= 1)).all()
    # the stacked half holds frames of two videos: two distinct ids in a row of 6 frames
    n_ids = [len(np.unique(row)) for row in x0[:10]]
    assert max(n_ids) == 2 and min(n_ids) >= 1
    assert all(len(np.unique(row)) == 1 for row in x0[10:])  # the other half untouched
    assert not isinstance(net.criterion_, MixedTargetLoss)  # unwrapped after training
    with pytest.raises(TypeError, match="sequences"):
        FrameVotingClassifier(hidden_size=4, max_epochs=1,
                              callbacks=[("framestack", FrameStack())]).fit(X, y)


def test_retrain_head_epochs_is_classifier_retraining_in_fit(twenty_to_one):
    X, y, net, ce, minority_recall = twenty_to_one
    crt = clone(net).set_params(retrain_head_epochs=10).fit(X, y)
    assert crt.head_only_ and crt.head_sampling_ == "class_balanced"
    # the body is the plain network's (same seed), the head re-trained on balanced draws
    body = {k: v for k, v in ce.module_.state_dict().items() if not k.startswith("head.")}
    for k, v in body.items():
        torch.testing.assert_close(crt.module_.state_dict()[k], v)
    assert minority_recall(crt) > minority_recall(ce) + 0.2
