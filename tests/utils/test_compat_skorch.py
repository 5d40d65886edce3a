"""Each skorch internal that skvideo_clf.utils.compat.skorch relies on, against the
installed skorch: an upgrade that changes one fails here, by name."""

import inspect
import pickle

import numpy as np
import pytest
import skorch
import torch
from skorch import NeuralNet, NeuralNetClassifier

from skvideo_clf.neural import HeadOnlyTraining, LSTMClassifier
from skvideo_clf.utils.compat import skorch as compat


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.randn(12, 3, 2).astype(np.float32)
    return X, np.arange(12) % 2


def test_init_state_is_what_skorch_init_sets():
    net = NeuralNetClassifier(torch.nn.Linear, module__in_features=2)
    params = set(inspect.signature(NeuralNet.__init__).parameters) | set(
        inspect.signature(NeuralNetClassifier.__init__).parameters)
    state = {k: v for k, v in vars(net).items()
             if k not in params and "__" not in k and not k.startswith("_")}
    assert state.keys() == compat.INIT_STATE.keys(), skorch.__version__
    assert state == {k: (dict(v) if k == "virtual_params_" else v)
                     for k, v in compat.INIT_STATE.items()}
    clf = LSTMClassifier()
    assert not set(compat.INIT_STATE) & set(vars(clf))
    assert all(getattr(clf, k) == v for k, v in compat.INIT_STATE.items())


def test_skorch_reads_the_device_attribute_and_refuses_auto(data):
    # what makes resolved_device necessary: skorch hands net.device to torch as it is
    with pytest.raises(RuntimeError):
        skorch.utils.get_map_location("auto")
    X, y = data
    clf = LSTMClassifier(hidden_sizes=2, max_epochs=1, device="auto", random_state=0)
    with compat.resolved_device(clf):
        assert vars(clf)["device"] in {"cpu", "cuda"}
    assert vars(clf)["device"] == "auto"
    clf.fit(X, y)                       # skorch's initialize/infer/get_loss saw the device
    assert clf.get_params()["device"] == "auto"
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    assert next(clf.module_.parameters()).device.type == expected


def test_skorch_setstate_needs_auto_resolved(data):
    X, y = data
    clf = LSTMClassifier(hidden_sizes=2, max_epochs=1, device="auto", random_state=0)
    state = clf.fit(X, y).__getstate__()
    with pytest.raises(RuntimeError):
        NeuralNet.__setstate__(object.__new__(LSTMClassifier), dict(state))
    clf2 = pickle.loads(pickle.dumps(clf))
    assert clf2.device == "auto"
    np.testing.assert_array_equal(clf2.predict_proba(X), clf.predict_proba(X))


def test_partial_fit_passes_epochs_to_fit_loop(data):
    # _fit hands refit_head's epochs to fit_loop through skorch's partial_fit
    X, y = data
    clf = LSTMClassifier(hidden_sizes=2, max_epochs=1, random_state=0).fit(X, y)
    clf.refit_head(X, y, max_epochs=3)
    assert len(clf.history) == 4


def test_head_only_training_uses_freezer_hooks(data):
    # Freezer's `at` callable and `named_parameters` are what HeadOnlyTraining overrides
    X, y = data
    clf = LSTMClassifier(hidden_sizes=2, max_epochs=1, random_state=0).fit(X, y)
    cb = dict(clf.callbacks_)["head_only"]
    assert isinstance(cb, skorch.callbacks.Freezer) and isinstance(cb, HeadOnlyTraining)
    cb.on_epoch_begin(clf)
    assert all(p.requires_grad for p in clf.module_.parameters())   # head_only_ unset
    clf.head_only_ = True
    cb.on_epoch_begin(clf)
    frozen = {n for n, p in clf.module_.named_parameters() if not p.requires_grad}
    assert frozen == {n for n, _ in clf.module_.named_parameters()
                      if not n.startswith("head.")} != set()


def test_predict_proba_asks_get_predict_nonlinearity(data):
    # OutputNonlinearityMixin overrides skorch's private _get_predict_nonlinearity
    assert callable(getattr(NeuralNet, "_get_predict_nonlinearity", None)), skorch.__version__
    X, y = data
    clf = LSTMClassifier(hidden_sizes=2, max_epochs=1, random_state=0).fit(X, y)
    calls = []
    clf._output_nonlinearity = lambda: calls.append(1) or (lambda out: out * 0 + 7)
    assert (clf.predict_proba(X) == 7).all() and calls


def test_partial_fit_swallows_keyboard_interrupt_from_fit_loop(data):
    # what InterruptibleTrainingMixin works around: skorch returns normally
    X, y = data

    class Stop(skorch.callbacks.Callback):
        def on_epoch_end(self, net, **kwargs):
            raise KeyboardInterrupt

    net = NeuralNetClassifier(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 2)),
                              max_epochs=5, train_split=None, callbacks=[Stop()])
    net.fit(X, y)
    assert len(net.history) == 1
    # and a callback's KeyboardInterrupt (EarlyStopping) still just stops ours
    clf = LSTMClassifier(hidden_sizes=2, max_epochs=5, random_state=0, callbacks=[Stop()])
    assert len(clf.fit(X, y).history) == 1


def test_epoch_scoring_scores_with_scoring_underscore(data):
    # score_on_labels wraps scoring_ after initialize; skorch's scoring step must read it
    X, y = data
    seen = []

    def scorer(net, X, y):
        seen.append(np.asarray(y).tolist())
        return 0.5

    cb = skorch.callbacks.EpochScoring(scorer, name="s").initialize()
    assert cb.scoring_ is scorer
    compat.score_on_labels(cb, lambda net, y: np.asarray(y) + 10)
    compat.score_on_labels(cb, lambda net, y: np.asarray(y) + 10)  # once only
    assert cb.scoring_(None, None, [0, 1]) == 0.5 and seen.pop() == [10, 11]

    class Net(NeuralNetClassifier):
        def initialize_callbacks(self):
            super().initialize_callbacks()
            compat.score_on_labels(dict(self.callbacks_)["s"], lambda net, y: np.asarray(y) + 10)
            return self

    net = Net(torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(6, 2)), max_epochs=2,
              callbacks=[("s", cb)], verbose=0, train_split=skorch.dataset.ValidSplit(3))
    net.fit(X, y)
    assert net.history[:, "s"] == [0.5, 0.5]
    assert len(seen) == 2 and len(seen[0]) == 4 and min(seen[0]) >= 10
    cb.initialize()  # initialize undoes the wrapping
    assert cb.scoring_ is scorer


def test_get_params_reads_get_param_names():
    # skorch lists __dict__ in its own _get_param_names; InitParamsMixin replaces it
    assert "_get_param_names" in vars(NeuralNet), skorch.__version__
    net = NeuralNetClassifier(torch.nn.Linear, module__in_features=2)
    assert {"module", "criterion", "module__in_features"} <= set(net.get_params())
    clf = LSTMClassifier(hidden_sizes=3, module__dropout=0.1)
    params = clf.get_params()
    assert "module" not in params and "criterion" not in params
    assert params["hidden_sizes"] == 3 and params["module__dropout"] == 0.1
    assert compat.init_signature(LSTMClassifier)["hidden_sizes"] == LSTMClassifier().hidden_sizes
