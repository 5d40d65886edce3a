"""Sequence classifiers: variable-length batching, packing, presets, and what they learn."""

import numpy as np
import pytest
import torch

from skvideo_clf.neural import (
    FrameVotingClassifier,
    LengthBucketBatchSampler,
    LSTMClassifier,
    ResBiLSTMClassifier,
    check_sequences,
    pad_collate,
)
from skvideo_clf.neural._modules import ResBiLSTMModule, SequenceLSTMModule


def _ragged(rng, n, d, max_len):
    X = np.empty(n, dtype=object)
    for i in range(n):
        X[i] = rng.randn(rng.randint(1, max_len + 1), d).astype(np.float32)
    return X


def _padding_fraction(batches, lengths):
    padded = sum(len(b) * max(lengths[i] for i in b) for b in batches)
    return 1 - lengths.sum() / padded


def test_length_buckets_pad_little_and_cover_every_index_once():
    rng = np.random.RandomState(0)
    # the low-complexity RNN paper: up to 360 steps at 1 FPS
    lengths = rng.randint(1, 361, size=500)
    torch.manual_seed(0)
    buckets = list(LengthBucketBatchSampler(lengths, batch_size=50))
    assert sorted(i for b in buckets for i in b) == list(range(500))
    assert [len(b) for b in buckets].count(50) == 10
    random_batches = [list(range(i, i + 50)) for i in range(0, 500, 50)]
    assert _padding_fraction(buckets, lengths) < 0.12
    assert _padding_fraction(random_batches, lengths) > 0.3


def test_length_buckets_reshuffle_batch_order_each_epoch():
    lengths = np.arange(100)
    sampler = LengthBucketBatchSampler(lengths, batch_size=10, generator=torch.Generator()
                                       .manual_seed(0))
    first, second = list(sampler), list(sampler)
    assert first != second
    assert sorted(map(sorted, first)) == sorted(map(sorted, second))


def test_fit_uses_length_buckets_for_ragged_input():
    rng = np.random.RandomState(0)
    X = _ragged(rng, 64, 3, 30)
    y = np.arange(64) % 2
    clf = LSTMClassifier(hidden_sizes=4, max_epochs=1, batch_size=16, random_state=0)
    clf.fit(X, y)
    data = clf._check_X(X, reset=False)
    loader = clf.get_iterator(clf.get_dataset(data, y), training=True)
    assert isinstance(loader.batch_sampler, LengthBucketBatchSampler)

    def mean_padding(loader):
        return np.mean([1 - float(xb["lengths"].sum()) / (xb["lengths"].max() * len(xb["x"]))
                        for xb, _ in loader])

    bucketed = mean_padding(loader)
    clf.set_params(sort_by_length=False)
    loader = clf.get_iterator(clf.get_dataset(data, y), training=True)
    assert not isinstance(loader.batch_sampler, LengthBucketBatchSampler)
    assert bucketed < 0.6 * mean_padding(loader)


def test_pad_collate_pads_to_longest_and_keeps_lengths():
    batch = [(torch.ones(3, 2), torch.tensor(0)), (torch.ones(1, 2), torch.tensor(1))]
    x, y = pad_collate(batch)
    assert x["x"].shape == (2, 3, 2) and x["lengths"].tolist() == [3, 1]
    assert x["x"][1, 1:].abs().sum() == 0 and y.tolist() == [0, 1]


@pytest.mark.parametrize("module", [
    SequenceLSTMModule(3, 2, hidden_sizes=(5, 4), bidirectional=True),
    SequenceLSTMModule(3, 2, hidden_sizes=(5,)),
    ResBiLSTMModule(3, 2, hidden_size=4, fc_size=6),
])
def test_packed_output_does_not_depend_on_padding(module):
    # A sequence alone and the same sequence padded next to a longer one give one output.
    module.eval()
    torch.manual_seed(0)
    short, long = torch.randn(4, 3), torch.randn(9, 3)
    x, _ = pad_collate([(short, torch.tensor(0)), (long, torch.tensor(0))])
    with torch.no_grad():
        together = module(x["x"], x["lengths"])
        alone = module(short[None], torch.tensor([4]))
        noisy = x["x"].clone()
        noisy[0, 4:] = 100.0                      # garbage in the padding changes nothing
        garbage = module(noisy, x["lengths"])
    torch.testing.assert_close(together[0], alone[0], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(garbage, together)


def test_resbilstm_is_residual_bidirectional_with_batch_norm():
    m = ResBiLSTMModule(5, 3, hidden_size=4, fc_size=7)
    assert len(m.lstms) == 2 and all(lstm.bidirectional for lstm in m.lstms)
    assert m.lstms[1].input_size == 8 and isinstance(m.norm, torch.nn.BatchNorm1d)
    assert m.fc[0].out_features == 7 and m.fc[2].p == 0.5 and m.head.out_features == 3
    m.eval()
    x = torch.randn(2, 6, 5)
    lengths = torch.tensor([6, 6])
    with torch.no_grad():
        h0, _ = m.lstms[0](x)
        h1 = m.lstms[1](h0)[0] + h0               # h_1 = BiLSTM(h_0) + h_0
        last = torch.cat([h1[:, -1, :4], h1[:, 0, 4:]], dim=1)
        expected = m.head(m.fc(m.norm(last)))
        torch.testing.assert_close(m(x, lengths), expected)


def test_input_forms_agree():
    rng = np.random.RandomState(0)
    X3 = rng.randn(6, 4, 3).astype(np.float32)
    ragged = np.empty(6, dtype=object)
    ragged[:] = list(X3)
    seqs, lengths = check_sequences(ragged)
    assert isinstance(seqs, np.ndarray) and seqs.shape == (6, 4, 3)
    two_d, lengths = check_sequences(X3[:, 0])
    assert two_d.shape == (6, 1, 3) and lengths.tolist() == [1] * 6
    y = np.arange(6) % 2
    clf = LSTMClassifier(hidden_sizes=4, max_epochs=2, random_state=0).fit(X3, y)
    np.testing.assert_allclose(clf.predict_proba(X3), clf.predict_proba(ragged), atol=1e-6)
    np.testing.assert_allclose(clf.predict_proba(X3), clf.predict_proba(list(X3)), atol=1e-6)


def test_bad_sequences_are_named():
    X = np.empty(3, dtype=object)
    X[:] = [np.zeros((2, 3)), np.zeros((2, 4)), np.zeros((1, 3))]
    with pytest.raises(ValueError, match="different feature sizes"):
        check_sequences(X)
    X[:] = [np.zeros((2, 3)), np.full((2, 3), np.nan), np.zeros((1, 3))]
    with pytest.raises(ValueError, match=r"X\[1\]"):
        check_sequences(X)
    X[:] = [np.zeros((2, 3)), np.zeros((0, 3)), np.zeros((1, 3))]
    with pytest.raises(ValueError, match=r"X\[1\]"):
        check_sequences(X)
    with pytest.raises(ValueError, match="expected"):
        check_sequences(np.zeros((2, 3, 4, 5)))


def test_presets_follow_the_papers():
    p = ResBiLSTMClassifier.from_preset("resbilstm-oversampling")
    assert (p.hidden_size, p.fc_size, p.fc_dropout, p.lr) == (1024, 1024, 0.5, 1e-6)
    assert p.optimizer is torch.optim.Adam and p.optimizer__weight_decay == 3e-4
    p = LSTMClassifier.from_preset("hybrid-fusion", max_epochs=3)
    assert p.hidden_sizes == (1024, 512) and p.batch_size == 10 and p.lr == 1e-4
    assert p.optimizer__momentum == 0.9 and p.max_epochs == 3
    p = LSTMClassifier.from_preset("low-complexity-rnn")
    assert p.bidirectional and p.optimizer is torch.optim.SGD and p.batch_size == 50
    p = LSTMClassifier.from_preset("ucf101-thesis")
    # Keras LSTM(dropout=0.2) drops the inputs (issue 12): input_dropout, not the
    # between-layer dropout that one layer never runs
    assert p.hidden_sizes == (1024,) and (p.input_dropout, p.head_dropout) == (0.2, 0.5)
    with pytest.raises(ValueError, match="Unknown preset"):
        LSTMClassifier.from_preset("seed999")
    # A preset's dunder parameters survive clone().
    from sklearn.base import clone
    assert clone(LSTMClassifier.from_preset("hybrid-fusion")).optimizer__momentum == 0.9


def test_seed004_preset_builds_the_paper_widths():
    clf = LSTMClassifier.from_preset("hybrid-fusion", max_epochs=0)
    clf.fit(np.zeros((4, 2, 3), np.float32), [0, 1, 0, 1])
    assert [lstm.hidden_size for lstm in clf.module_.lstms] == [1024, 512]
    assert clf.optimizer_.param_groups[0]["momentum"] == 0.9


# ---------------------------------------------------------------- on synthetic videos
def _pooled_sequences(videos):
    """Time-ordered 4x4x3 mean-pooled pixels: 48 features per frame."""
    v = np.stack(videos).astype(np.float32) / 255.0
    n, t, h, w, c = v.shape
    X = v.reshape(n, t, 4, h // 4, 4, w // 4, c).mean(axis=(3, 5)).reshape(n, t, -1)
    return (X - X.mean(axis=(0, 1))) / (X.std(axis=(0, 1)) + 1e-6)


@pytest.fixture(scope="module")
def temporal_data():
    from skvideo_clf.datasets import make_video_classification

    videos, y, groups = make_video_classification(16, n_classes=6, n_frames=8,
                                                  return_groups=True, random_state=0)
    X = _pooled_sequences(videos)
    # Clips of a group share a background: split by group, or backgrounds give classes away.
    group_ids = np.unique(groups, return_inverse=True)[1]
    test = group_ids % 2 == 1
    return X[~test], y[~test], X[test], y[test]


def _pair_accuracy(y_true, y_pred):
    """Accuracy between the two classes of each temporal pair (order is all that differs)."""
    from skvideo_clf.datasets import TEMPORAL_PAIRS

    pair_of = {c: i for i, pair in enumerate(TEMPORAL_PAIRS) for c in pair}
    same_pair = np.array([pair_of[a] == pair_of[b] for a, b in zip(y_true, y_pred)])
    return float(np.mean(y_true[same_pair] == y_pred[same_pair]))


@pytest.mark.slow
def test_sequence_classifiers_beat_frame_voting_on_temporal_order(temporal_data):
    Xtr, ytr, Xte, yte = temporal_data
    common = dict(max_epochs=40, random_state=0)
    voting = FrameVotingClassifier(**common).fit(Xtr, ytr)
    lstm = LSTMClassifier(hidden_sizes=32, **common).fit(Xtr, ytr)
    resbi = ResBiLSTMClassifier(**common).fit(Xtr, ytr)
    acc = {name: _pair_accuracy(yte, clf.predict(Xte))
           for name, clf in [("voting", voting), ("lstm", lstm), ("resbi", resbi)]}
    # Frames alone cannot tell the direction of time: voting is near chance inside a pair.
    assert acc["voting"] < 0.8, acc
    assert acc["lstm"] > acc["voting"] + 0.1, acc
    assert acc["resbi"] > acc["voting"] + 0.2, acc


@pytest.mark.slow
def test_balanced_class_weight_raises_minority_recall():
    from sklearn.metrics import recall_score

    from skvideo_clf.datasets import make_video_classification

    videos, y, groups = make_video_classification([96, 16], n_frames=8, return_groups=True,
                                                  random_state=0)
    X = _pooled_sequences(videos)
    test = np.unique(groups, return_inverse=True)[1] % 2 == 1      # 48:8 on each side
    recalls = {}
    for cw in [None, "balanced"]:
        recalls[cw] = np.mean([
            recall_score(y[test], LSTMClassifier(hidden_sizes=16, max_epochs=5, class_weight=cw,
                                                 random_state=seed)
                         .fit(X[~test], y[~test]).predict(X[test]), pos_label="move_left")
            for seed in (0, 1)])
    assert recalls["balanced"] > recalls[None] + 0.2, recalls
