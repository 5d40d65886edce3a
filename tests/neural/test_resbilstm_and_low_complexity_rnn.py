"""The CNN-ResBiLSTM paper (spatio-temporal synthetic oversampling, Tables I and II) and the
low-complexity RNN paper (YouTube-8M, class transfer) as they state them: class weighting
behind the oversampler, the presets, the tables, the transfer of the head."""

import numpy as np
import pytest
import sklearn
import torch
from imblearn.pipeline import Pipeline
from network_sizes import n_params
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.utils.class_weight import compute_class_weight

from skvideo_clf.datasets import disaster_class_sizes
from skvideo_clf.neural import LSTMClassifier, ResBiLSTMClassifier
from skvideo_clf.neural._modules import ResBiLSTMModule, SequenceLSTMModule
from skvideo_clf.protocols import (
    PAPER_TABLE_I,
    PAPER_TABLE_II,
    cross_validate_presets,
    get_protocol,
)
from skvideo_clf.sampling import SpatioTemporalOversampler

# balanced weights n / (K n_j) of the disaster profile 400..40, before and
# after the CNN-ResBiLSTM paper's oversampling (freq_j = ceil(400 / n_j)).
BEFORE = [0.4179, 0.6122, 0.8986, 1.3265, 1.9435, 2.8329, 4.1786]
AFTER = [1.1611, 0.8506, 0.8323, 0.9215, 1.0801, 1.1245, 1.1611]


def _disaster_sequences(scale=1.0, seed=0):
    sizes = disaster_class_sizes(scale)
    y = np.repeat(np.arange(len(sizes)), sizes)
    X = np.random.RandomState(seed).randn(len(y), 2, 2).astype(np.float32)
    return X, y


def _weighted_pipeline(clf=None):
    clf = clf or ResBiLSTMClassifier(hidden_size=2, fc_size=2, max_epochs=0,
                                     class_weight="balanced", random_state=0)
    return Pipeline([("resample", SpatioTemporalOversampler(sequence_length=2,
                                                            random_state=0)),
                     ("clf", clf)])


# ---------------------------------------------------------------- class weighting
def test_balanced_weights_behind_the_oversampler_count_the_classes_before_resampling():
    """The CNN-ResBiLSTM paper gives "higher weights to the minority classes" (Section V-B)."""
    X, y = _disaster_sequences()
    assert np.bincount(y).tolist() == [400, 273, 186, 126, 86, 59, 40]
    after = _weighted_pipeline().fit(X, y)[-1].class_weight_
    # what "balanced" alone sees behind the oversampler: nearly 1 everywhere
    np.testing.assert_allclose(after, AFTER, atol=1e-4)
    before = _weighted_pipeline().fit(X, y, clf__y_before_resampling=y)[-1].class_weight_
    np.testing.assert_allclose(before, BEFORE, atol=1e-4)
    assert before[-1] == pytest.approx(1170 / (7 * 40))
    assert np.all(np.abs(before - 1) > 0.1)


def test_labels_before_resampling_reach_the_classifier_through_metadata_routing():
    X, y = _disaster_sequences()
    with sklearn.config_context(enable_metadata_routing=True):
        clf = ResBiLSTMClassifier(hidden_size=2, fc_size=2, max_epochs=0,
                                  class_weight="balanced", random_state=0)
        pipe = _weighted_pipeline(clf.set_fit_request(y_before_resampling=True))
        weights = pipe.fit(X, y, y_before_resampling=y)[-1].class_weight_
    np.testing.assert_allclose(weights, BEFORE, atol=1e-4)


def test_each_grid_search_fold_weights_by_its_own_counts_before_resampling():
    X, y = _disaster_sequences(scale=0.1)
    splits = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    seen = []

    def record(estimator, X_test, y_test):
        seen.append(estimator[-1].class_weight_.copy())
        return 0.0

    search = GridSearchCV(_weighted_pipeline(), {"clf__lr": [0.01]}, cv=splits,
                          scoring=record, refit=False)
    search.fit(X, y, clf__y_before_resampling=y)
    assert len(seen) == 3
    classes = np.unique(y)
    for weights, (train, _) in zip(seen, splits, strict=True):
        expected = compute_class_weight("balanced", classes=classes, y=y[train])
        np.testing.assert_allclose(weights, expected, rtol=1e-6)
        assert weights[-1] > 3.5 and weights[0] < 0.5


class _Recording(ResBiLSTMClassifier):
    seen = []

    def fit(self, X, y, y_before_resampling=None, **fit_params):
        super().fit(X, y, y_before_resampling=y_before_resampling, **fit_params)
        type(self).seen.append(self.class_weight_.copy())
        return self


def test_the_preset_runner_weights_rows_behind_a_sampler_by_the_fold_counts():
    X, y = _disaster_sequences(scale=0.1)
    _Recording.seen = []
    row = ("os + cw", lambda: _weighted_pipeline(_Recording(
        hidden_size=2, fc_size=2, max_epochs=0, class_weight="balanced", random_state=0)))
    cv = StratifiedKFold(2, shuffle=True, random_state=0)
    cross_validate_presets([row], X, y, cv=cv)
    assert len(_Recording.seen) == 2
    for weights, (train, _) in zip(_Recording.seen, cv.split(X, y), strict=True):
        np.testing.assert_allclose(
            weights, compute_class_weight("balanced", classes=np.unique(y), y=y[train]),
            rtol=1e-6)


# ---------------------------------------------------------------- the CNN-ResBiLSTM paper presets
def test_resbilstm_oversampling_preset_follows_the_paper():
    """The CNN-ResBiLSTM paper, Section IV-B: "we use two residual layers (i.e., L = 2)",
    "Dropout is also directly added to each bidirectional LSTM layer" (rate not stated:
    the library's 0.5); Section V-A: "a twolayer Residual Bidirectional LSTM with 1024-wide
    followed by a 1024 fully connected layer and 50% dropout", "Adam stochastic
    optimization with an aggressively small learning rate 0.000001 and L2 regularization
    with λ = 0.0003"; Section V-B: class weighting.
    """
    clf = ResBiLSTMClassifier.from_preset("resbilstm-oversampling")
    assert (clf.hidden_size, clf.n_layers, clf.fc_size, clf.fc_dropout) == (1024, 2, 1024, 0.5)
    assert clf.dropout == 0.5
    assert clf.optimizer is torch.optim.Adam and clf.lr == 1e-6
    assert clf.get_params()["optimizer__weight_decay"] == 3e-4
    assert clf.class_weight == "balanced"
    # 2048-d InceptionV3 features, 7 classes: the paper's network counts 52,457,479 in Keras;
    # torch adds one b_hh of 4 * 1024 per direction and layer.
    module = ResBiLSTMModule(2048, 7, hidden_size=clf.hidden_size, n_layers=clf.n_layers,
                             dropout=clf.dropout, fc_size=clf.fc_size,
                             fc_dropout=clf.fc_dropout)
    assert n_params(module) == 52_457_479 + 4 * 4 * 1024


def test_dropout_acts_on_each_bilstm_layer():
    torch.manual_seed(0)
    module = ResBiLSTMModule(3, 2, hidden_size=4, n_layers=2, dropout=0.5, fc_size=4,
                             fc_dropout=0.0)
    x, lengths = torch.randn(6, 5, 3), torch.full((6,), 5)
    module.train()
    a, b = module.features(x, lengths), module.features(x, lengths)
    assert not torch.allclose(a, b)
    module.eval()
    torch.testing.assert_close(module.features(x, lengths), module.features(x, lengths))


def test_resbilstm_papers_cnn_lstm_preset_shares_the_resbilstm_optimiser():
    """Section V-B: "the same CNN-LSTM architecture" in every baseline row; the
    optimiser, width and head of Section V-A."""
    lstm = LSTMClassifier.from_preset("resbilstm-oversampling").get_params()
    res = ResBiLSTMClassifier.from_preset("resbilstm-oversampling").get_params()
    for key in ("optimizer", "lr", "optimizer__weight_decay"):
        assert lstm[key] == res[key]
    assert lstm["hidden_sizes"] == (1024,) and lstm["fc_size"] == 1024
    assert lstm["head_dropout"] == 0.5 and lstm["class_weight"] is None


def test_paper_tables_hold_all_six_rows():
    """The CNN-ResBiLSTM paper's Table I and Table II."""
    assert len(PAPER_TABLE_I) == len(PAPER_TABLE_II) == 6
    assert list(PAPER_TABLE_I) == list(PAPER_TABLE_II)
    assert PAPER_TABLE_I["CNN-LSTM + oversampling + weighting"] == (0.678, 0.477, 0.688)
    assert PAPER_TABLE_I["ResBiLSTM + oversampling"] == (0.681, 0.493, 0.678)
    assert PAPER_TABLE_II["ResBiLSTM + oversampling"] == (0.723, 0.702, 0.717)
    assert PAPER_TABLE_II["CNN-LSTM + class weighting"] == (0.680, 0.660, 0.670)
    # "enhance the accuracy and F1 measure by more than 11% and 0.17" (Section V-B)
    first, last = PAPER_TABLE_I["CNN-LSTM"], PAPER_TABLE_I["ResBiLSTM + oversampling + weighting"]
    assert last[0] - first[0] > 0.11 and last[1] - first[1] > 0.17


def test_full_demo_rows_are_table_i_compared_like_with_like():
    presets = get_protocol("demo").rows("full", weights="tf2015", device="cpu")
    assert len(presets) == 9 + 1  # and the chance row
    assert [name for name, _ in presets[:6]] == list(PAPER_TABLE_I)
    pipes = [factory() for _, factory in presets[:6]]
    clfs = [pipe.named_steps["clf"].get_params() for pipe in pipes]
    assert {(c["lr"], c["optimizer__weight_decay"]) for c in clfs} == {(1e-6, 3e-4)}
    resampled = ["resample" in pipe.named_steps for pipe in pipes]
    assert resampled == [False, False, True, True, True, True]
    weighted = [c["class_weight"] for c in clfs]
    assert weighted == [None, "balanced", None, "balanced", None, "balanced"]
    assert [type(p.named_steps["clf"]) for p in pipes] == [LSTMClassifier] * 4 + [
        ResBiLSTMClassifier] * 2


# ---------------------------------------------------------------- the low-complexity RNN paper
def test_low_complexity_rnn_preset_follows_the_paper():
    """The low-complexity RNN paper, Section II-C: "We limit the number of epochs in each
    training process to 500.",
    "stochastic gradient descent with momentum. We use learning rate value of 0.01,
    momentum value of 0.9 and mini-batch size of 50", "the sequences are sorted by sequence
    length"; Section III: BiLSTM layers of 1024 units (per direction: the library's reading).
    """
    clf = LSTMClassifier.from_preset("low-complexity-rnn")
    params = clf.get_params()
    assert clf.max_epochs == 500
    assert clf.optimizer is torch.optim.SGD and clf.lr == 0.01
    assert params["optimizer__momentum"] == 0.9 and clf.batch_size == 50
    assert clf.sort_by_length and clf.bidirectional and clf.hidden_sizes == (1024, 1024)
    # 2 x BiLSTM-1024 on 2048-d features, 10 classes: 50,368,522 counted as Keras does
    module = SequenceLSTMModule(2048, 10, hidden_sizes=clf.hidden_sizes,
                                bidirectional=clf.bidirectional, fc_size=clf.fc_size)
    assert n_params(module) == 50_368_522 + 4 * 4 * 1024


def _five_and_five(seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randn(100, 4, 3).astype(np.float32)
    y = np.array(list("abcdefghij"))[np.argsort(np.argsort(X[:, -1, 0])) // 10]
    return X, y, np.isin(y, list("abcde"))


def test_refit_head_from_5_to_10_categories():
    """The low-complexity RNN paper, Section II-B: "initially trained using data from 5
    categories and then
    fine-tuned using the data from the remaining 5 categories. In the fine-tuning stage,
    the fully-connected layer is trained."; Section III: "transfer learning from 5 to 10
    categories"."""
    X, y, old = _five_and_five()
    clf = LSTMClassifier(hidden_sizes=8, max_epochs=2, random_state=0).fit(X[old], y[old])
    head = clf.module_.head.weight.detach().clone(), clf.module_.head.bias.detach().clone()
    lstm = clf.module_.lstms[0].weight_ih_l0.detach().clone()
    clf.refit_head(X[~old], y[~old], max_epochs=0, keep_classes=True)
    assert clf.classes_.tolist() == list("abcdefghij")
    assert clf.predict_proba(X).shape == (100, 10)
    torch.testing.assert_close(clf.module_.head.weight[:5], head[0])
    torch.testing.assert_close(clf.module_.head.bias[:5], head[1])
    clf.refit_head(X[~old], y[~old], max_epochs=2, keep_classes=True)
    torch.testing.assert_close(clf.module_.lstms[0].weight_ih_l0, lstm)
    assert set(clf.predict(X)) <= set("abcdefghij")
    # the other reading: a head over the new five only
    clf.refit_head(X[~old], y[~old], max_epochs=1)
    assert clf.classes_.tolist() == list("fghij")
    assert clf.predict_proba(X).shape == (100, 5)
