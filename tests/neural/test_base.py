"""The shared base: labels, class weights, seeding, devices, pickling, skorch features."""

import pickle

import joblib
import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from skorch.callbacks import EarlyStopping, LRScheduler

from skvideo_clf.neural import (
    FrameVotingClassifier,
    FusionNetClassifier,
    HeadOnlyTraining,
    LSTMClassifier,
    ResBiLSTMClassifier,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 4, 3).astype(np.float32)
    y = np.array(["cat", "dog", "eel"])[np.argmax(X[:, -1], axis=1)]
    return X, y


def small(cls=LSTMClassifier, **kw):
    kw = {"max_epochs": 5, "random_state": 0, **kw}
    if cls is LSTMClassifier:
        kw.setdefault("hidden_sizes", 8)
    return cls(**kw)


def test_string_labels_round_trip(data):
    X, y = data
    clf = small(max_epochs=30).fit(X, y)
    assert clf.classes_.tolist() == ["cat", "dog", "eel"]
    pred = clf.predict(X)
    assert set(pred.tolist()) <= {"cat", "dog", "eel"}
    assert clf.score(X, y) > 0.8
    proba = clf.predict_proba(X)
    assert proba.shape == (60, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])


def test_no_internal_validation_split_by_default(data):
    X, y = data
    clf = small(max_epochs=2).fit(X, y)
    assert clf.train_split is None
    assert "valid_loss" not in clf.history[-1]
    assert sum(b["train_batch_size"] for b in clf.history[-1, "batches"]) == len(X)


@pytest.mark.parametrize("cw, expected", [
    ("balanced", None),
    ({"cat": 5.0}, [5.0, 1.0, 1.0]),
    (None, None),
])
def test_class_weight_goes_into_the_loss(data, cw, expected):
    X, y = data
    keep = np.r_[np.flatnonzero(y == "cat")[:4], np.flatnonzero(y != "cat")]
    Xs, ys = X[keep], y[keep]
    clf = small(class_weight=cw, max_epochs=1).fit(Xs, ys)
    weight = clf.criterion_.weight
    if cw is None:
        assert weight is None and clf.class_weight_ is None
        return
    if expected is None:  # balanced: n / (k * n_c)
        counts = np.array([np.sum(ys == c) for c in clf.classes_])
        expected = len(ys) / (3 * counts)
    np.testing.assert_allclose(weight.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(clf.class_weight_, expected, rtol=1e-6)


def test_unknown_class_weight_label_is_an_error(data):
    X, y = data
    # scikit-learn's message (compute_class_weight): "The classes, [...], are not in
    # class_weight"
    with pytest.raises(ValueError, match=r"The classes, \[.*\], are not in class_weight"):
        small(class_weight={"bird": 2.0}).fit(X, y)


@pytest.mark.parametrize("cls", [LSTMClassifier, ResBiLSTMClassifier, FrameVotingClassifier])
def test_same_seed_same_predictions_and_global_rng_untouched(data, cls):
    X, y = data
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    clf = small(cls).fit(X, y)
    after = torch.rand(1)
    a = clf.predict_proba(X)
    b = small(cls).fit(X, y).predict_proba(X)
    c = small(cls, random_state=1).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert before == after          # fitting with a seed leaves the global torch RNG alone


@pytest.mark.parametrize("dump", ["pickle", "joblib"])
def test_pickle_and_joblib_round_trip(data, tmp_path, dump):
    X, y = data
    clf = small(device="auto").fit(X, y)
    if dump == "pickle":
        clf2 = pickle.loads(pickle.dumps(clf))
    else:
        joblib.dump(clf, tmp_path / "m.joblib")
        clf2 = joblib.load(tmp_path / "m.joblib")
    assert clf2.device == "auto"
    np.testing.assert_array_equal(clf.predict_proba(X), clf2.predict_proba(X))
    assert clf2.classes_.tolist() == clf.classes_.tolist()


def test_device_auto_resolves_without_changing_the_parameter(data):
    X, y = data
    clf = small(device="auto").fit(X, y)
    assert clf.device == "auto" and clf.get_params()["device"] == "auto"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(clf.module_.parameters()).device.type == expected


def test_warm_start_and_partial_fit_continue_training(data):
    X, y = data
    clf = small(max_epochs=2).fit(X, y)
    w = clf.module_.head.weight.detach().clone()
    clf.partial_fit(X, y)
    assert len(clf.history) == 4 and not torch.equal(w, clf.module_.head.weight)
    clf.set_params(warm_start=True).fit(X, y)
    assert len(clf.history) == 6
    clf.set_params(warm_start=False).fit(X, y)
    assert len(clf.history) == 2
    first = small(max_epochs=1)
    first.partial_fit(X[:10], y[:10], classes=["cat", "dog", "eel"])
    assert first.classes_.tolist() == ["cat", "dog", "eel"]
    with pytest.raises(ValueError, match="unseen"):
        first.partial_fit(X[:3], ["cat", "dog", "fox"])
    with pytest.raises(ValueError, match="X has 5 features"):
        first.partial_fit(np.zeros((3, 4, 5), np.float32), ["cat", "dog", "eel"])


def test_skorch_callbacks_work(data):
    X, y = data
    clf = small(max_epochs=50, callbacks=[
        ("stop", EarlyStopping(monitor="train_loss", patience=2, threshold=10.0)),
        ("sched", LRScheduler(policy="StepLR", step_size=1, gamma=0.5)),
    ]).fit(X, y)
    assert len(clf.history) < 50            # early stopping fired
    assert clf.optimizer_.param_groups[0]["lr"] < clf.lr
    clone(clf)  # callbacks clone
    clf.set_params(callbacks__stop__patience=100)
    assert dict(clf.callbacks_)["stop"].patience == 100


class EveryOtherBatch(torch.utils.data.Sampler):
    """Batches of the even indices, then of the odd ones."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        yield list(range(0, self.n, 2))
        yield list(range(1, self.n, 2))

    def __len__(self):
        return 2


@pytest.mark.parametrize("cls", [LSTMClassifier, FusionNetClassifier])
def test_a_batch_sampler_replaces_batch_size_and_shuffle(data, cls):
    X, y = data
    if cls is FusionNetClassifier:
        X = X[:, 0]
    clf = cls(max_epochs=2, random_state=0, batch_size=7,
              iterator_train__shuffle=True,
              iterator_train__batch_sampler=EveryOtherBatch(len(X))).fit(X, y)
    sizes = [b["train_batch_size"] for b in clf.history[-1, "batches"]]
    assert sizes == [30, 30]
    assert clf.predict(X).shape == (60,)      # prediction still uses batch_size
    clone(clf)


def test_balanced_data_loader_from_sampling(data):
    from skvideo_clf.sampling import BalancedDataLoader as loader

    X, y = data
    keep = np.r_[np.flatnonzero(y == "cat")[:3], np.flatnonzero(y != "cat")]
    clf = small(max_epochs=1, iterator_train=loader, iterator_train__batch_size=None,
                iterator_train__random_state=0).fit(X[keep], y[keep])
    sizes = [b["train_batch_size"] for b in clf.history[-1, "batches"]]
    assert sizes and all(s == sizes[0] for s in sizes) and sizes[0] % 3 == 0
    # without a seed of its own, the loader follows the classifier's random_state
    fits = [small(max_epochs=2, iterator_train=loader, iterator_train__batch_size=None,
                  random_state=seed).fit(X[keep], y[keep]).predict_proba(X)
            for seed in (3, 3, 4)]
    assert np.array_equal(fits[0], fits[1]) and not np.array_equal(fits[0], fits[2])


def test_refit_head_freezes_everything_but_the_head(data):
    # the low-complexity RNN paper: train on some classes, then learn new ones with only a new
    # class layer.
    X, y = data
    rng = np.random.RandomState(1)
    clf = ResBiLSTMClassifier(hidden_size=8, fc_size=8, max_epochs=20, random_state=0)
    clf.fit(X, y)
    frozen = {k: v.clone() for k, v in clf.module_.state_dict().items()
              if not k.startswith("head.")}
    Xn = rng.randn(60, 4, 3).astype(np.float32)
    yn = np.where(Xn[:, -1, 0] > Xn[:, -1, 1], "new_a", "new_b")
    chance = max(np.mean(yn == "new_a"), np.mean(yn == "new_b"))
    clf.refit_head(Xn, yn, max_epochs=40)
    assert clf.classes_.tolist() == ["new_a", "new_b"]
    assert clf.module_.head.out_features == 2
    for k, v in clf.module_.state_dict().items():
        if not k.startswith("head."):
            assert torch.equal(v, frozen[k]), k        # weights and BN statistics unchanged
    assert clf.score(Xn, yn) > chance + 0.1
    assert clf.predict_proba(Xn).shape == (60, 2)
    # A plain fit trains everything again.
    clf.set_params(max_epochs=1).fit(X, y)
    assert all(p.requires_grad for p in clf.module_.parameters())


def test_refit_head_is_a_callback_that_later_training_keeps(data):
    X, y = data
    clf = ResBiLSTMClassifier(hidden_size=8, fc_size=8, max_epochs=2, random_state=0)
    clf.fit(X, y)
    assert isinstance(dict(clf.callbacks_)["head_only"], HeadOnlyTraining)
    body = {k: v.clone() for k, v in clf.module_.state_dict().items()
            if not k.startswith("head.")}
    n_epochs = len(clf.history)
    clf.refit_head(X, y, max_epochs=3)
    assert len(clf.history) == n_epochs + 3            # the history goes on
    assert [name for name, _ in clf.get_all_learnable_params()] == ["head.weight",
                                                                    "head.bias"]
    head = clf.module_.head.weight.detach().clone()
    clf.partial_fit(X, y)                             # still head-only: body untouched
    assert not torch.equal(head, clf.module_.head.weight)
    for k, v in clf.module_.state_dict().items():
        if not k.startswith("head."):
            assert torch.equal(v, body[k]), k
    assert not clf.module_._forward_pre_hooks        # the eval hook lives during training


def test_refit_head_needs_its_callback(data):
    X, y = data
    clf = small(max_epochs=1, callbacks="disable").fit(X, y)
    with pytest.raises(ValueError, match="'head_only' callback"):
        clf.refit_head(X, y)


def test_errors_are_clear(data):
    X, y = data
    with pytest.raises(NotFittedError):
        small().predict(X)
    with pytest.raises(ValueError, match="at least 2 classes"):
        small().fit(X, ["cat"] * len(X))
    with pytest.raises(ValueError, match="inconsistent"):
        small().fit(X, y[:-1])
    with pytest.raises(ValueError, match="call fit"):
        small().initialize()
    clf = small(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 4 features, but LSTMClassifier is expecting 3"):
        clf.predict(np.zeros((2, 5, 4), np.float32))
    from sklearn.utils._param_validation import InvalidParameterError
    with pytest.raises(InvalidParameterError, match="class_weight"):
        small(class_weight="auto").fit(X, y)


def test_get_params_lists_init_and_dunder_params():
    clf = LSTMClassifier(hidden_sizes=(4, 4), optimizer__momentum=0.9)
    params = clf.get_params(deep=False)
    assert params["hidden_sizes"] == (4, 4) and params["optimizer__momentum"] == 0.9
    assert "module" not in params and "criterion" not in params
    assert clone(clf).optimizer__momentum == 0.9
    assert repr(clf) == "LSTMClassifier(hidden_sizes=(4, 4), optimizer__momentum=0.9)"


@pytest.mark.gpu
def test_cuda_fit_then_load_on_cpu(data, tmp_path):
    X, y = data
    clf = small(device="cuda").fit(X, y)
    assert next(clf.module_.parameters()).is_cuda
    joblib.dump(clf, tmp_path / "m.joblib")
    clf2 = joblib.load(tmp_path / "m.joblib")
    np.testing.assert_allclose(clf.predict_proba(X), clf2.predict_proba(X), atol=1e-5)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("cls", [LSTMClassifier, FrameVotingClassifier])
def test_skorch_validation_split_scores_string_labels(weighted, cls):
    # skorch's valid_acc scores the split it holds out: targets arrive encoded (and, when
    # weighted, as {"y", "sample_weight"}) while predict returns the original labels
    from skorch.dataset import ValidSplit

    rng = np.random.default_rng(0)
    y = np.repeat(["high", "low"], 40)
    X = rng.normal(size=(80, 4, 3)).astype(np.float32)
    X[:, :, 0] += np.where(y == "high", 1.5, -1.5)[:, None]  # every frame tells its class
    sample_weight = np.where(y == "high", 3.0, 1.0) if weighted else None
    clf = small(cls, max_epochs=40, lr=0.05, train_split=ValidSplit(0.25, stratified=True,
                                                                  random_state=0))
    clf.fit(X, y, sample_weight=sample_weight)
    scores = clf.history[:, "valid_acc"]
    # held out: 20 of 80 videos, or 80 of 320 frames for frame voting
    held_out = 80 if cls is FrameVotingClassifier else 20
    assert len(scores) == 40 and all(s * held_out == round(s * held_out) for s in scores)
    assert scores[-1] >= 0.8 and (clf.predict(X) == y).mean() >= 0.9


@pytest.mark.parametrize("cls", [LSTMClassifier, FrameVotingClassifier])
def test_user_scoring_callbacks_on_a_validation_split(cls):
    # a user's own EpochScoring on skorch's split: string labels, weighted targets
    from skorch.callbacks import EpochScoring
    from skorch.dataset import ValidSplit

    rng = np.random.default_rng(1)
    y = np.repeat(["cat", "dog", "emu"], 30)
    X = rng.normal(size=(90, 4, 3)).astype(np.float32)
    X[:, :, 0] += np.select([y == "cat", y == "dog"], [-2.0, 0.0], 2.0)[:, None]
    f1 = EpochScoring("f1_macro", lower_is_better=False, name="valid_f1")
    clf = small(cls, max_epochs=30, lr=0.05, callbacks=[f1],
                train_split=ValidSplit(0.2, stratified=True, random_state=0))
    clf.fit(X, y, sample_weight=np.where(y == "emu", 2.0, 1.0))
    f1, acc = clf.history[-1, "valid_f1"], clf.history[-1, "valid_acc"]
    # frame voting's held-out samples are single frames, a weaker witness than videos;
    # before, the weighted targets crashed the scoring (and strings would score 0)
    assert f1 >= (0.4 if cls is FrameVotingClassifier else 0.8)  # chance: 1/3
    assert abs(f1 - acc) < 0.2  # balanced classes: macro F1 follows accuracy
    assert set(clf.predict(X)) <= {"cat", "dog", "emu"}
    assert clone(clf).callbacks[0].target_extractor is not None  # clone copies it as is


@pytest.mark.parametrize("cls", [LSTMClassifier, FrameVotingClassifier])
def test_predict_returns_labels_for_a_torch_dataset_too(data, cls):
    # the dataset skorch's validation split hands the scoring callbacks: the module's own
    # samples (videos, or frames for frame voting), answered in labels as for arrays
    X, y = data
    clf = small(cls).fit(X, y)
    validated = clf._check_fitted_X(X)
    dataset = clf.get_dataset(*clf._training_data(validated, np.zeros(len(X), np.int64)))
    labels = clf.predict(dataset)
    n = len(dataset)
    assert labels.shape == (n,) and set(labels) <= {"cat", "dog", "eel"}
    assert n == (len(X) if cls is LSTMClassifier else len(X) * X.shape[1])
    proba = clf.predict_proba(dataset)
    np.testing.assert_array_equal(labels, clf.classes_[proba.argmax(axis=1)])
    if cls is LSTMClassifier:
        np.testing.assert_array_equal(labels, clf.predict(X))
