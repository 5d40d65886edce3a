"""Every built-in protocol at --full is its paper's configuration, row by row.

The rows are built (never fitted) from the shipped TOML files; each assertion is a value a
paper fixes (or, where it leaves one open, the value its protocol file names in a comment).
"""

import joblib
import numpy as np
import pytest
import torch
from network_sizes import module_on_meta, n_params
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.model_selection import GridSearchCV

from skvideo_clf.features import OpticalFlowTransformer, TemporalPooling
from skvideo_clf.fusion import Chi2SVC, EarlyFusionSVC, LateFusionClassifier, MKLClassifier
from skvideo_clf.neural import (
    FrameVotingClassifier,
    FusionNetClassifier,
    LSTMClassifier,
    MotionCNNClassifier,
    ResBiLSTMClassifier,
)
from skvideo_clf.protocols import CHANCE_ROW, PROTOCOLS, HeadTransferClassifier, build_rows
from skvideo_clf.sampling import SpatioTemporalOversampler


def _full(name):
    return dict(build_rows(name, "full"))


@pytest.mark.parametrize("name", ["resbilstm-table1", "resbilstm-table2", "demo"])
def test_resbilstm_rows_share_the_resbilstm_optimiser(name):
    rows = _full(name)
    weighted = {"CNN-LSTM + class weighting", "CNN-LSTM + oversampling + weighting",
                "ResBiLSTM + oversampling + weighting"}
    oversampled = {"CNN-LSTM + oversampling", "CNN-LSTM + oversampling + weighting",
                   "ResBiLSTM + oversampling", "ResBiLSTM + oversampling + weighting"}
    for row in PROTOCOLS["resbilstm-table1"].paper:
        pipe = rows[row]
        clf = pipe.named_steps["clf"]
        # Section IV: Adam, lr 1e-6, L2 3e-4; FC 1024 with dropout 0.5; width 1024
        assert clf.optimizer is torch.optim.Adam and clf.lr == 1e-6, row
        assert clf.optimizer__weight_decay == 3e-4, row
        assert clf.fc_size == 1024, row
        if isinstance(clf, LSTMClassifier):
            assert tuple(clf.hidden_sizes) == (1024,) and clf.head_dropout == 0.5
            assert not clf.bidirectional
        else:
            assert isinstance(clf, ResBiLSTMClassifier) and row.startswith("ResBiLSTM")
            assert clf.hidden_size == 1024 and clf.n_layers == 2 and clf.fc_dropout == 0.5
        # class weighting on exactly the weighted rows (not inherited from the preset)
        assert clf.class_weight == ("balanced" if row in weighted else None), row
        features = pipe.named_steps["features"]
        assert features.input_size == 299 and features.sequence_length == 40
        if row in oversampled:
            sampler = pipe.named_steps["resample"]
            assert isinstance(sampler, SpatioTemporalOversampler)
            # Algorithm 1 on every clip: no unaugmented first clip, alpha = 40
            assert sampler.keep_original is False and sampler.sequence_length == 40
            # RandAug applied to each image (Algorithm 1), not one draw per clip
            assert sampler.augment_per == "frame", row
        else:
            assert "resample" not in pipe.named_steps
        assert clf.max_epochs == 100  # not stated by the paper: the file says so


@pytest.mark.parametrize("size", ["quick", "default"])
@pytest.mark.parametrize("name", ["resbilstm-table1", "resbilstm-table2", "demo", "long-tail"])
def test_oversampling_rows_augment_per_frame_at_every_size(name, size):
    samplers = [step for _, pipe in build_rows(name, size) for step in getattr(
        pipe, "named_steps", {}).values() if isinstance(step, SpatioTemporalOversampler)]
    assert len(samplers) == (1 if name == "long-tail" else 4)
    assert all(s.augment_per == "frame" for s in samplers)


def test_imbalanced_ucf101_is_table_two_only():
    assert PROTOCOLS["resbilstm-table2"].imbalance
    assert not PROTOCOLS["resbilstm-table1"].imbalance
    assert PROTOCOLS["resbilstm-table2"].config("full")["imbalance_min_count"] == 10
    assert PROTOCOLS["resbilstm-table2"].paper["ResBiLSTM + oversampling"] == (
        0.723, 0.702, 0.717)


def test_frame_voting_is_the_thesis_head_on_224_px_maps():
    pipe = _full("frame-voting-lstm")["Frame voting (InceptionV3 + FFNN)"]
    features, clf = pipe.named_steps["features"], pipe.named_steps["clf"]
    assert features.output == "maps" and features.input_size == 224
    assert features.frame_sampling == "block" and features.sequence_length is None
    assert isinstance(clf, FrameVotingClassifier)
    assert clf.optimizer is torch.optim.SGD and clf.lr == 1e-3
    assert clf.optimizer__momentum == 0.6
    # 5 x 5 x 2048 maps at 224 px, 101 classes: "52,533,349" trainable parameters
    assert n_params(module_on_meta(clf, 5 * 5 * 2048, 101)) == 52_533_349


def test_the_thesis_lstm_reads_the_frame_cnn_fc_activations():
    pipe = _full("frame-voting-lstm")["CNN-LSTM"]
    assert [n for n, _ in pipe.steps] == ["features", "embed", "clf"]
    features, embed, clf = (pipe.named_steps[k] for k in ("features", "embed", "clf"))
    assert features.output == "maps" and features.input_size == 224
    assert features.sequence_length == 80 and features.padding == "zeros"
    assert features.frame_sampling == "block"
    assert isinstance(embed, FrameVotingClassifier) and embed.hidden_size == 1024
    assert isinstance(clf, LSTMClassifier)
    assert clf.optimizer is torch.optim.Adam and clf.lr == 1e-3 and clf.max_epochs == 20
    assert clf.input_dropout == 0.2 and clf.head_dropout == 0.5
    # on the FC-1024 activations: 8,496,229 in Keras = 8,500,325 in torch (b_hh)
    assert n_params(module_on_meta(clf, embed.hidden_size, 101)) == 8_500_325


@pytest.mark.parametrize("row, bidirectional, widths", [
    ("LSTM 2x1024", False, (1024, 1024)), ("LSTM 1x1024", False, (1024,)),
    ("BiLSTM 1x1024", True, (1024,)), ("BiLSTM 2x1024", True, (1024, 1024)),
    ("BiLSTM 3x682", True, (682, 682, 682)), ("BiLSTM 2x512", True, (512, 512)),
    ("BiLSTM 2x256", True, (256, 256)),
])
def test_low_complexity_rnn_rows(row, bidirectional, widths):
    pipe = _full("rnn-youtube8m")[row]
    clf, features = pipe.named_steps["clf"], pipe.named_steps["features"]
    assert tuple(clf.hidden_sizes) == widths and clf.bidirectional is bidirectional
    # SGD, momentum 0.9, lr 0.01, batches of 50 sorted by length, at most 500 epochs
    assert clf.optimizer is torch.optim.SGD and clf.lr == 0.01
    assert clf.optimizer__momentum == 0.9 and clf.batch_size == 50
    assert clf.sort_by_length and clf.max_epochs == 500
    assert features.frame_sampling == "fps" and features.sequence_length is None


def test_transfer_runs_the_bilstm_2x1024():
    rows = _full("rnn-youtube8m-transfer")
    for name, est in rows.items():
        if name == CHANCE_ROW:
            continue
        pipe = est.estimator if isinstance(est, HeadTransferClassifier) else est
        clf = pipe.named_steps["clf"]
        assert clf.bidirectional and tuple(clf.hidden_sizes) == (1024, 1024), name
    assert rows["Transfer: head refit on all classes"].head_data == "all"
    assert rows["Transfer: head refit on the new classes"].head_data == "new"


def _motion_stream(features):
    """The flow featurizer and the network of a motion stream (a shared-fit pipeline)."""
    inner = features.estimator
    assert [n for n, _ in inner.steps] == ["flow", "network"]
    return inner.named_steps["flow"], inner.named_steps["network"]


def _assert_cnn_m_on_flow_stacks(features):
    """CNN-M-2048 fc6 on 224 px crops of stacks of L = 10 flows computed at 256 px, mean
    flow subtracted, cropped and flipped in training ([33])."""
    flow, cnn = _motion_stream(features)
    assert isinstance(flow, OpticalFlowTransformer) and flow.output == "stack"
    assert flow.n_stack == 10 and flow.flow_size == 256 and flow.subtract_mean is True
    assert flow.sequence_length == 40
    assert isinstance(cnn, MotionCNNClassifier) and cnn.architecture == "cnn_m_2048"
    assert cnn.crop_size == 224 and cnn.flip is True
    assert cnn.embedding_size == 4096  # fc6
    # SGD, momentum 0.9, lr 1e-2 -> 1e-3 after 100K iterations -> 1e-4 after 200K
    assert cnn.optimizer is torch.optim.SGD and cnn.lr == 1e-2
    assert cnn.optimizer__momentum == 0.9
    (name, schedule), = cnn.callbacks
    assert schedule.policy is torch.optim.lr_scheduler.MultiStepLR
    assert schedule.step_every == "batch"
    assert schedule.kwargs == {"milestones": [100_000, 200_000], "gamma": 0.1}
    # not stated: batches of 256 ([33]) and 250K iterations, as the file says
    assert cnn.batch_size == 256
    assert cnn.max_epochs == int(np.ceil(250_000 / np.ceil(9537 * 40 / 256))) == 168
    # CNN-M-2048 on 20 x 224 x 224 crops (of 256 px stacks), 101 classes: 90,707,781
    assert n_params(module_on_meta(cnn, (20, 256, 256), 101)) == 90_707_781
    return flow, cnn


def test_two_stream_rows_follow_the_hybrid_framework():
    rows = _full("two-stream-table2")
    spatial = rows["Spatial SVM"]
    assert [n for n, _ in spatial.steps] == ["features", "pool", "clf"]  # no motion stream
    assert isinstance(spatial.named_steps["clf"], Chi2SVC)
    assert isinstance(rows["Motion SVM"].named_steps["clf"], Chi2SVC)
    assert rows["Motion SVM"].named_steps["clf"].stream == "motion"
    assert isinstance(rows["SVM-EF"].named_steps["clf"], EarlyFusionSVC)
    assert rows["SVM-MKL"].named_steps["clf"].p == 2.0
    assert isinstance(rows["SVM-MKL"].named_steps["clf"], MKLClassifier)
    lf = rows["SVM-LF"].named_steps["clf"]
    assert [(m[0], m[2]) for m in lf.members] == [("spatial", "spatial"), ("motion", "motion")]
    plain = rows["Non-regularized fusion network"].named_steps["clf"]
    assert isinstance(plain, FusionNetClassifier)
    assert plain.lambda2 == plain.lambda3 == 0.0 and plain.lambda1 == 3e-5
    assert plain.stream_size == plain.fusion_size == 200
    assert plain.optimizer is torch.optim.SGD and plain.lr == 0.7
    # lambda2, lambda3 chosen by cross-validation (Section 4.1.2)
    search = rows["Regularized fusion network"].named_steps["clf"]
    assert isinstance(search, GridSearchCV) and search.cv == 5
    assert search.param_grid == FusionNetClassifier.CV_GRIDS["hybrid-fusion"]
    assert search.estimator.lambda1 == 3e-5 and search.estimator.lr == 0.7
    # every row that reads the motion stream reads CNN-M-2048's fc6 of the flow stacks,
    # averaged over the video's stacks, in a 4096-wide block before the spatial one
    fused = ["Motion SVM", "SVM-EF", "SVM-LF", "SVM-MKL", "NN-EF", "NN-LF",
             "Non-regularized fusion network", "Regularized fusion network"]
    for row in fused:
        union = rows[row].named_steps["streams"]
        motion = dict(union.transformer_list)["motion"]
        assert [n for n, _ in motion.steps] == ["features", "pool"], row
        assert isinstance(motion.named_steps["pool"], TemporalPooling)
        assert motion.named_steps["pool"].method == "mean"
        _assert_cnn_m_on_flow_stacks(motion.named_steps["features"])
        clf = rows[row].named_steps["clf"]
        clf = getattr(clf, "estimator", clf)  # the lambda search
        if row != "NN-EF":  # NN-EF reads the concatenation, no blocks
            assert clf.streams == {"motion": slice(0, 4096), "spatial": slice(4096, None)}
    hybrid = rows["Hybrid (fusion net + spatial & motion LSTMs, CV weights)"]
    hybrid = hybrid.named_steps["clf"]
    assert isinstance(hybrid, LateFusionClassifier) and hybrid.weights == "cv"
    members = {m[0]: m[1] for m in hybrid.members}
    assert isinstance(members["fusion net"].named_steps["clf"], GridSearchCV)
    assert members["fusion net"].named_steps["clf"].estimator.streams["motion"] == \
        slice(0, 4096)
    for name in ("spatial LSTM", "motion LSTM"):
        lstm = members[name].named_steps["clf"]
        # two layers 1024 / 512, batches of 10, lr 1e-4, momentum 0.9, 150K iterations
        assert tuple(lstm.hidden_sizes) == (1024, 512) and lstm.batch_size == 10
        assert lstm.lr == 1e-4 and lstm.optimizer__momentum == 0.9
        assert lstm.max_epochs == 158  # ceil(150000 / ceil(9537 / 10))
    assert 158 == int(np.ceil(150_000 / np.ceil(9537 / 10)))
    # the motion LSTM reads the CNN's fc6 per stack: (n, 40, 4096), not pooled
    motion_lstm = members["motion LSTM"]
    assert [n for n, _ in motion_lstm.steps] == ["features", "clf"]
    _assert_cnn_m_on_flow_stacks(motion_lstm.named_steps["features"])
    lstm = motion_lstm.named_steps["clf"]
    # its layers on 4096-d steps: 24,181,349 parameters with 101 classes (b_hh included)
    assert n_params(module_on_meta(lstm, 4096, 101)) == 24_181_349


def test_two_stream_rows_would_share_one_motion_cnn_per_fold(tmp_path):
    # the shared fit is keyed on the estimator as joblib hashes it: one key for every row
    rows = dict(build_rows("two-stream-table2", "full", memory=str(tmp_path)))
    streams = []
    for pipe in rows.values():
        if "streams" in pipe.named_steps:
            motion = dict(pipe.named_steps["streams"].transformer_list)["motion"]
            streams.append(motion.named_steps["features"])
    hybrid = rows["Hybrid (fusion net + spatial & motion LSTMs, CV weights)"]
    members = dict((m[0], m[1]) for m in hybrid.named_steps["clf"].members)
    streams.append(members["motion LSTM"].named_steps["features"])
    fusion = dict(members["fusion net"].named_steps["streams"].transformer_list)["motion"]
    streams.append(fusion.named_steps["features"])
    assert len(streams) == 10  # the 8 fused rows and the hybrid's two members
    assert all(s.memory == str(tmp_path) for s in streams)
    assert len({joblib.hash(clone(s.estimator)) for s in streams}) == 1


@pytest.mark.parametrize("size", ["quick", "default"])
def test_two_stream_motion_stream_is_flow_histograms_below_full(size):
    rows = dict(build_rows("two-stream-table2", size))
    motion = dict(rows["Motion SVM"].named_steps["streams"].transformer_list)["motion"]
    flow = motion.named_steps["features"]
    assert isinstance(flow, OpticalFlowTransformer) and flow.output == "histogram"
    # 2 x 2 cells of 8 orientations and a static bin
    assert rows["Motion SVM"].named_steps["clf"].streams["motion"] == slice(0, 36)


@pytest.mark.parametrize("name", sorted(PROTOCOLS))
def test_every_protocol_ends_with_a_majority_class_chance_row(name):
    rows = build_rows(name, "quick")
    assert rows[-1][0] == CHANCE_ROW
    chance = rows[-1][1].named_steps["clf"]
    assert isinstance(chance, DummyClassifier) and chance.strategy == "most_frequent"
    assert PROTOCOLS[name].baseline != CHANCE_ROW
