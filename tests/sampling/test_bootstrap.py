"""BootstrapSampler, BalancedBatchSampler and BalancedDataLoader: batch composition as in
the bootstrapping CNN paper's Table I, and the batches a skorch network actually trains on."""

from collections import Counter

import numpy as np
import pytest
import torch
from skorch import NeuralNetClassifier
from skorch.callbacks import Callback

from skvideo_clf.sampling import (
    BalancedBatchSampler,
    BalancedDataLoader,
    BootstrapSampler,
    bootstrap_batches,
)
from skvideo_clf.video import Clip


def _xy(sizes, n_features=2):
    y = np.concatenate([[label] * n for label, n in sizes.items()])
    X = np.arange(len(y) * n_features, dtype=float).reshape(len(y), n_features)
    return X, y


def test_paper_default_batch_composition():
    # n = 10 negatives, m = 3 positives; s = 2m = 6, s_n = s_p = 3, N = floor(10 / 3) = 3.
    X, y = _xy({"neg": 10, "pos": 3})
    sampler = BootstrapSampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert (sampler.batch_size_, sampler.n_batches_) == (6, 3)
    assert X_res.shape == (18, 2)
    assert np.array_equal(X_res, X[sampler.sample_indices_])
    negatives = []
    for batch in sampler.batches_:
        assert Counter(y_res[batch].tolist()) == {"neg": 3, "pos": 3}
        negatives.extend(sampler.sample_indices_[batch][y_res[batch] == "neg"].tolist())
    # Negatives: disjoint batches; the one left over (10 mod 3) is not used.
    assert len(negatives) == len(set(negatives)) == 9
    assert sampler.sampling_strategy_ == {"neg": 9, "pos": 9}
    assert [b.tolist() for b in sampler.batches_] == [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11],
                                                      [12, 13, 14, 15, 16, 17]]


def test_positives_drawn_with_replacement_and_split_kept_across_iterations():
    X, y = _xy({0: 40, 1: 4})
    sampler = BootstrapSampler(batch_size=8, n_iterations=3, random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    idx = sampler.sample_indices_
    assert sampler.n_batches_ == 10 and len(sampler.batches_) == 30
    pos_draws = [tuple(idx[b][y_res[b] == 1]) for b in sampler.batches_]
    assert any(len(set(p)) < 4 for p in pos_draws)  # with replacement: repeats happen
    assert len(set(pos_draws)) > 20  # and the draws vary from batch to batch
    # Table I divides the negatives once; every iteration reuses that split.
    neg = [tuple(idx[b][y_res[b] == 0]) for b in sampler.batches_]
    assert neg[:10] == neg[10:20] == neg[20:]
    assert sorted(sum(neg[:10], ())) == list(range(40))


def test_multiclass_batches_balanced_across_all_classes():
    X, y = _xy({"a": 12, "b": 5, "c": 3})
    sampler = BootstrapSampler(batch_size=7, random_state=0)  # rounded down to 6
    _, y_res = sampler.fit_resample(X, y)
    assert (sampler.batch_size_, sampler.n_batches_) == (6, 6)
    for batch in sampler.batches_:
        assert Counter(y_res[batch].tolist()) == {"a": 2, "b": 2, "c": 2}
    majority = sampler.sample_indices_[y_res == "a"]
    assert sorted(majority.tolist()) == list(range(12))  # split, not drawn


def test_one_vs_rest_positive_class():
    X, y = _xy({"a": 12, "b": 3, "c": 6})
    sampler = BootstrapSampler(positive_class="b", random_state=0)
    _, y_res = sampler.fit_resample(X, y)
    # Negatives are "a" and "c" pooled (18); s_p = 3 so N = 6 batches of 6.
    assert (sampler.batch_size_, sampler.n_batches_) == (6, 6)
    for batch in sampler.batches_:
        assert Counter(y_res[batch] == "b") == {True: 3, False: 3}
    assert Counter(y_res.tolist())["b"] == 18
    assert Counter(y_res.tolist())["a"] + Counter(y_res.tolist())["c"] == 18


def test_bootstrap_deterministic_and_seed_dependent():
    X, y = _xy({0: 30, 1: 5})
    a = BootstrapSampler(random_state=1).fit_resample(X, y)[0]
    b = BootstrapSampler(random_state=1).fit_resample(X, y)[0]
    c = BootstrapSampler(random_state=2).fit_resample(X, y)[0]
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_bootstrap_videos_and_sequences(tiny_videos):
    videos, y, _ = tiny_videos
    y = np.where(np.asarray(y) == y[0], "pos", "neg")  # 4 positives, 28 negatives
    sampler = BootstrapSampler(random_state=0)
    clips, y_res = sampler.fit_resample(videos, y)
    assert len(clips) == 56 and all(isinstance(c, Clip) for c in clips)
    assert all(c.frame_indices is None and c.augmentation is None for c in clips)
    seqs = np.random.RandomState(0).randn(32, 5, 3).astype(np.float32)
    S_res, _ = BootstrapSampler(random_state=0).fit_resample(seqs, y)
    assert S_res.shape == (56, 5, 3) and S_res.dtype == np.float32
    assert np.array_equal(S_res, seqs[sampler.sample_indices_])


def test_bootstrap_errors():
    X, y = _xy({0: 10, 1: 3})
    with pytest.raises(ValueError, match="batch_size <= 20"):
        BootstrapSampler(batch_size=40).fit_resample(X, y)
    with pytest.raises(ValueError, match="positive_class='z'"):
        BootstrapSampler(positive_class="z").fit_resample(X, y)
    with pytest.raises(ValueError, match="at least 2 classes"):
        BootstrapSampler().fit_resample(X, np.zeros(13))


def test_bootstrap_batches_function_matches_sampler():
    y = np.array([0] * 9 + [1] * 2)
    batches = bootstrap_batches(y, random_state=5)
    sampler = BootstrapSampler(random_state=5).fit(np.zeros((11, 1)), y)
    assert np.array_equal(np.concatenate(batches), sampler.sample_indices_)


def test_batch_sampler_redraws_every_epoch_reproducibly():
    y = np.array([0] * 20 + [1] * 5)
    s1 = BalancedBatchSampler(y, batch_size=10, random_state=0)
    s2 = BalancedBatchSampler(y, batch_size=10, random_state=0)
    epochs1 = [list(s1) for _ in range(3)]
    epochs2 = [list(s2) for _ in range(3)]
    assert epochs1 == epochs2
    assert epochs1[0] != epochs1[1]
    assert len(s1) == 4 and all(len(e) == 4 for e in epochs1)
    for batch in epochs1[0]:
        assert Counter(y[batch].tolist()) == {0: 5, 1: 5}


class RecordBatches(Callback):
    """Records the labels of every training batch the network receives."""

    def initialize(self):
        self.epochs_ = []
        return self

    def on_epoch_begin(self, net, **kwargs):
        self.epochs_.append([])

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.epochs_[-1].append(batch[1].tolist())


def _net(n_classes=2, **kwargs):
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, n_classes), torch.nn.Softmax(dim=-1))
    params = dict(max_epochs=3, train_split=None, verbose=0, lr=0.1)
    return NeuralNetClassifier(module, **{**params, **kwargs})


def test_skorch_trains_on_balanced_batches():
    X = np.random.RandomState(0).randn(46, 4).astype(np.float32)
    y = np.array([0] * 40 + [1] * 6)
    record = RecordBatches()
    net = _net(callbacks=[("record", record)], iterator_train=BalancedDataLoader,
               iterator_train__batch_size=None, iterator_train__random_state=0)
    net.fit(X, y)
    assert len(record.epochs_) == 3
    for epoch in record.epochs_:
        assert len(epoch) == 40 // 6  # N = floor(n / s_n) with s_n = m = 6
        for labels in epoch:
            assert Counter(labels) == {0: 6, 1: 6}
    # Prediction still sees every sample once, in order.
    assert net.predict_proba(X).shape == (46, 2)


def test_skorch_balanced_loader_uses_net_batch_size_and_positive_class():
    X = np.random.RandomState(0).randn(60, 4).astype(np.float32)
    y = np.array([0] * 30 + [1] * 20 + [2] * 10)
    record = RecordBatches()
    net = _net(3, callbacks=[("record", record)], batch_size=8,
               iterator_train=BalancedDataLoader, iterator_train__positive_class=2,
               iterator_train__random_state=0)
    net.fit(X, y)
    first = record.epochs_[0]
    assert len(first) == 50 // 4
    assert all(sum(label == 2 for label in labels) == 4 and len(labels) == 8
               for labels in first)
    assert record.epochs_[0] != record.epochs_[1]  # redrawn each epoch


def test_skorch_plain_batch_sampler_wiring():
    # Without BalancedDataLoader: torch's DataLoader takes the batch sampler only with
    # batch_size=1 and no shuffle, and the labels must be known in advance.
    X = np.random.RandomState(0).randn(30, 4).astype(np.float32)
    y = np.array([0] * 25 + [1] * 5)
    record = RecordBatches()
    net = _net(callbacks=[("record", record)],
               iterator_train__batch_sampler=BalancedBatchSampler(y, random_state=0),
               iterator_train__batch_size=1)
    net.fit(X, y)
    assert all(Counter(labels) == {0: 5, 1: 5} for labels in record.epochs_[0])


def test_bootstrap_sampler_output_reaches_the_net_as_its_batches():
    # Table I in one pass: the sampler's batches, in order, with their own batch size.
    X = np.random.RandomState(0).randn(26, 4).astype(np.float32)
    y = np.array([0] * 20 + [1] * 6)
    sampler = BootstrapSampler(batch_size=8, n_iterations=2, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    record = RecordBatches()
    net = _net(callbacks=[("record", record)], max_epochs=1, iterator_train__batch_size=8,
               iterator_train__shuffle=False)
    net.fit(X_res, y_res)
    assert record.epochs_[0] == [y_res[b].tolist() for b in sampler.batches_]


def test_balanced_loader_errors():
    data = torch.utils.data.TensorDataset(torch.zeros(4, 2))
    with pytest.raises(ValueError, match="needs the labels"):
        BalancedDataLoader(data)
    with pytest.raises(ValueError, match="does not take batch_sampler"):
        BalancedDataLoader(data, batch_sampler=[[0, 1]])
    with pytest.raises(ValueError, match="1-D class labels"):
        BalancedBatchSampler(np.zeros((4, 2)))


def test_batch_parameters_are_checked_by_their_constraints():
    from sklearn.utils._param_validation import InvalidParameterError

    y = np.array([0] * 9 + [1] * 3)
    for kwargs in ({"batch_size": 0}, {"batch_size": 2.5}, {"n_iterations": 0}):
        name = next(iter(kwargs))
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of bootstrap_"):
            bootstrap_batches(y, **kwargs)
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of Bootstrap"):
            BootstrapSampler(**kwargs).fit_resample(np.zeros((12, 1)), y)
        with pytest.raises(InvalidParameterError, match=f"'{name}' parameter of Balanced"):
            BalancedBatchSampler(y, **kwargs)

