"""The bootstrapping CNN paper (TRECVID semantic indexing) and the UCF101 thesis (InceptionV3
frame voting and LSTM) as they describe them: padding, the thesis' heads, the feature-map CNN."""

import numpy as np
import pytest
import torch
from network_sizes import module_on_meta, n_params

from skvideo_clf.features import InceptionFrameTransformer, TemporalPooling, _weights
from skvideo_clf.features._cache import identity_digest
from skvideo_clf.neural import FeatureMapCNNClassifier, FrameVotingClassifier, LSTMClassifier
from skvideo_clf.utils import object_array, unpadded_lengths


def _three_frame_videos():
    """24 videos of 3 real frames, 3 classes that any frame tells apart."""
    rng = np.random.RandomState(0)
    y = np.repeat([0, 1, 2], 8)
    real = rng.randn(24, 3, 4).astype("float32") * 0.3
    real[np.arange(24), :, y] += 3.0
    padded = np.zeros((24, 10, 4), np.float32)
    padded[:, :3] = real  # what InceptionFrameTransformer(padding="zeros") gives
    return real, padded, y


# ------------------------------------------------------------- padding of the sequences
def test_unpadded_lengths_counts_trailing_zero_steps_only():
    X = np.zeros((3, 5, 2), np.float32)
    X[0, :2] = 1
    X[1, [0, 3]] = 1  # a zero step between frames is a frame
    assert unpadded_lengths(X).tolist() == [2, 4, 1]
    assert unpadded_lengths(X, [1, 2, 5]).tolist() == [1, 1, 1]
    assert unpadded_lengths([X[0, :3], X[1]]).tolist() == [2, 4]
    # TemporalPooling follows the same rule
    assert TemporalPooling().fit_transform(X[1:2]).tolist() == [[0.5, 0.5]]


def test_frame_voting_ignores_zero_padding():
    # Before the fix, the 7 padding steps of every video trained and voted: one class for
    # every video, accuracy 1/3, where the ragged form of the same frames scores 1.
    real, padded, y = _three_frame_videos()
    ragged = object_array(list(real))
    scores = []
    for X in (padded, ragged):
        clf = FrameVotingClassifier(hidden_size=16, max_epochs=10, batch_size=8,
                                    random_state=0).fit(X, y)
        scores += [clf.score(padded, y), clf.score(ragged, y)]
        np.testing.assert_allclose(clf.predict_proba(padded), clf.predict_proba(ragged),
                                   rtol=1e-5, atol=1e-6)
    assert scores == [1.0, 1.0, 1.0, 1.0]


def test_frame_voting_trains_on_real_frames_only():
    real, padded, y = _three_frame_videos()
    a = FrameVotingClassifier(hidden_size=8, max_epochs=3, random_state=0).fit(padded, y)
    b = FrameVotingClassifier(hidden_size=8, max_epochs=3, random_state=0).fit(real, y)
    for pa, pb in zip(a.module_.parameters(), b.module_.parameters()):
        torch.testing.assert_close(pa, pb)
    # "balanced" counts the real frames: 3 per video, 8 videos per class
    c = FrameVotingClassifier(class_weight="balanced", max_epochs=1).fit(padded[:20], y[:20])
    np.testing.assert_allclose(c.class_weight_, 60 / (3 * np.array([24, 24, 12])))


# ----------------------------------------------------------------------- the UCF101 thesis
@pytest.mark.skipif(_weights.tf2015_path() is None,
                    reason=f"real weights not installed ({_weights.TF2015_PIP})")
def test_inception_maps_at_224_are_the_5x5x2048_maps_of_the_thesis_head(tmp_path):
    # tf2015 weights load in a second where random ones take seconds to initialise
    video = np.random.default_rng(0).integers(0, 256, (1, 40, 40, 3), dtype=np.uint8)
    kw = dict(input_size=224, sequence_length=2, padding="zeros", memory=tmp_path)
    maps_tf = InceptionFrameTransformer("tf2015", output="maps", **kw)
    maps = maps_tf.fit_transform([video])
    pooled_tf = InceptionFrameTransformer("tf2015", **kw)
    pooled = pooled_tf.fit_transform([video])
    assert maps.shape == (1, 2, 51_200) and pooled.shape == (1, 2, 2048)
    assert not maps[0, 1].any() and maps[0, 0].any()  # zero padding, as pooled
    # the pooled vector is the maps' spatial mean: the same network, same frames
    np.testing.assert_allclose(maps.reshape(1, 2, 2048, 5, 5).mean(axis=(3, 4)), pooled,
                               rtol=1e-4, atol=1e-5 * np.abs(pooled).max())
    # the cache tells them apart (both were cached in the same folder above)
    assert (identity_digest(maps_tf._cache_identity())
            != identity_digest(pooled_tf._cache_identity()))
    assert maps_tf._cache_identity()["params"]["output"] == "maps"


def test_ucf101_thesis_frame_voting_preset_is_the_thesis_head():
    clf = FrameVotingClassifier.from_preset("ucf101-thesis")
    # Section 3.2.1 (flatten, dropout 0.5, FC, dropout 0.5, softmax 101), Table 3.1
    assert clf.hidden_size == 1024 and clf.dropout == 0.5
    assert clf.optimizer is torch.optim.SGD and clf.lr == 1e-3
    assert clf.optimizer__momentum == 0.6 and clf.optimizer__nesterov is False
    net = module_on_meta(clf, 5 * 5 * 2048, 101)
    # "Number of trainable parameters 52,533,349" (Table 3.1)
    assert n_params(net) == 52_533_349 == 51_200 * 1024 + 1024 + 1024 * 101 + 101
    kinds = [type(m).__name__ for m in net.body] + [type(net.head).__name__]
    assert kinds == ["Dropout", "Linear", "ReLU", "Dropout", "Linear"]
    assert [m.p for m in net.body if isinstance(m, torch.nn.Dropout)] == [0.5, 0.5]


def test_ucf101_thesis_lstm_preset_follows_the_thesis():
    clf = LSTMClassifier.from_preset("ucf101-thesis")
    # Section 3.2.2 (LSTM 1024, dropout 20% on its inputs, 50% before the softmax),
    # 2145 (Adam(): lr 1e-3), 2150 (20 epochs, split 01)
    assert tuple(clf.hidden_sizes) == (1024,) and not clf.bidirectional
    assert clf.input_dropout == 0.2 and clf.head_dropout == 0.5 and clf.dropout == 0.0
    assert clf.fc_size is None
    assert clf.optimizer is torch.optim.Adam and clf.lr == 1e-3 and clf.max_epochs == 20
    net = module_on_meta(clf, 1024, 101)  # "input shape of (80x1024)" (Section 3.2.2)
    lstm = net.lstms[0]
    # Keras counts one bias per gate: "8,496,229" (Table 3.2); torch has b_ih and b_hh
    assert n_params(net) == 8_500_325
    assert n_params(net) - lstm.bias_hh_l0.numel() == 8_496_229
    assert net.input_dropout == 0.2


def test_input_dropout_masks_whole_sequences_and_only_in_training():
    from skvideo_clf.neural._modules import SequenceLSTMModule

    net = SequenceLSTMModule(3, 2, hidden_sizes=(4,), input_dropout=0.5)
    seen = []
    net.lstms[0].register_forward_hook(lambda m, args, out: seen.append(args[0]))
    x = torch.ones(64, 5, 3)
    torch.manual_seed(0)
    net.train()(x, torch.full((64,), 5))
    kept = seen[-1] != 0
    # one mask per sequence and feature, the same at every step, scaled by 1 / (1 - p)
    assert bool((kept == kept[:, :1]).all()) and 0.3 < kept.float().mean() < 0.7
    assert set(seen[-1].unique().tolist()) <= {0.0, 2.0}
    net.eval()(x, torch.full((64,), 5))
    assert bool((seen[-1] == 1).all())


def test_frame_voting_transform_feeds_the_lstm():
    # the thesis' second approach: FC activations of the frame classifier, then the LSTM
    real, padded, y = _three_frame_videos()
    frames = FrameVotingClassifier(hidden_size=8, max_epochs=5, random_state=0).fit(padded, y)
    seqs = frames.transform(padded)
    assert seqs.shape == (24, 10, 8) and seqs.dtype == np.float32
    assert not seqs[:, 3:].any() and (seqs[:, :3] >= 0).all()  # ReLU; padding stays zero
    ragged = frames.transform(object_array(list(real)))
    assert ragged.dtype == object and ragged[0].shape == (3, 8)
    np.testing.assert_allclose(np.stack(list(ragged)), seqs[:, :3], rtol=1e-5, atol=1e-6)
    assert frames.transform(real[:, 0]).shape == (24, 8)
    lstm = LSTMClassifier(hidden_sizes=(4,), input_dropout=0.2, max_epochs=2,
                          random_state=0).fit(seqs, y)
    assert lstm.predict(seqs).shape == (24,)


# ------------------------------------------------------------- the bootstrapping CNN paper
def test_bootstrap_cnn_preset_follows_the_paper():
    clf = FeatureMapCNNClassifier.from_preset("bootstrap-cnn")
    assert tuple(clf.channels) == (6, 9) and clf.activation == "sigmoid"  # Section III-A
    rng = np.random.RandomState(0)
    X = rng.randn(40, 324).astype("float32")  # PCA to 324 = 18 x 18 (Section III-D)
    y = np.array([0] * 32 + [1] * 8)
    X[y == 1, :20] += 1.0
    clf.set_params(max_epochs=2, random_state=0).fit(X, y)
    body = clf.module_.body
    assert [type(m).__name__ for m in body] == ["Conv2d", "Sigmoid", "Conv2d", "Sigmoid",
                                                "Flatten"]
    # Table III: 6x16x16, 9x14x14, 2 outputs; 60 + 495 + 3,530 parameters
    x = torch.zeros(1, 1, 18, 18)
    assert tuple(body[:2](x).shape) == (1, 6, 16, 16)
    assert tuple(body[:4](x).shape) == (1, 9, 14, 14)
    sizes = [p.numel() for p in clf.module_.parameters()]
    assert sizes == [54, 6, 486, 9, 3528, 2] and sum(sizes) == 4_085
    # batches of twice the positives (Section IV-A): 8 negatives + 8 positives
    assert clf.history[-1, "batches", 0, "train_batch_size"] == 16
    assert len(clf.history[-1, "batches"]) == 4  # N = 32 negatives / 8 per batch


@pytest.mark.parametrize("activation, cls", [("relu", torch.nn.ReLU),
                                              ("tanh", torch.nn.Tanh)])
def test_feature_map_cnn_activation_is_a_parameter(activation, cls):
    X = np.random.RandomState(0).randn(12, 25).astype("float32")
    y = np.repeat([0, 1], 6)
    clf = FeatureMapCNNClassifier(activation=activation, max_epochs=1).fit(X, y)
    assert sum(isinstance(m, cls) for m in clf.module_.body) == 2
    with pytest.raises(ValueError, match="activation"):
        FeatureMapCNNClassifier(activation="softplus").fit(X, y)
