"""OpticalFlowTransformer: stacked flow and flow histograms on known motion."""

import numpy as np
import pytest

from skvideo_clf.features import OpticalFlowTransformer
from skvideo_clf.features._flow import flow_histogram


def _moving_square(dx, dy=0, n=8, size=32, side=8):
    video = np.zeros((n, size, size, 3), np.uint8)
    for t in range(n):
        y, x = 10 + dy * t, 6 + dx * t if dx >= 0 else 20 + dx * t
        video[t, y: y + side, x: x + side] = 255
    return video


@pytest.mark.parametrize("method", ["farneback", "dis"])
def test_stack_recovers_the_motion(method):
    # DIS needs texture at its patch scale: 64 px frames, a 16 px square (at 32 px it
    # underestimates the shift by half)
    tf = OpticalFlowTransformer(n_stack=3, method=method, output="stack", flow_size=64,
                                sequence_length=2)
    X = tf.fit_transform([_moving_square(2, size=64, side=16)])
    assert X.shape == (1, 2, 6, 64, 64) and X.dtype == np.float32
    fx, fy = X[0, 0, 0::2], X[0, 0, 1::2]  # (L, H, W) x and y components
    moving = np.abs(fx) > 0.5
    assert moving.any()
    assert np.median(fx[moving]) == pytest.approx(2.0, abs=0.3)
    assert np.abs(np.median(fy[moving])) < 0.5


def test_histogram_direction_bins():
    tf = OpticalFlowTransformer(n_stack=2, flow_size=32, sequence_length=3, grid=1)
    right, left = tf.fit_transform([_moving_square(2), _moving_square(-2)])
    assert right.shape == (3, 9)
    assert np.allclose(right.sum(1), 1) and np.allclose(left.sum(1), 1)
    r, lft = right[0], left[0]
    # bin 0: rightward flow; bin 4: leftward; bin 8: no motion (most of the frame)
    assert r[0] + r[7] + r[1] > 0.8 * r[:8].sum()
    assert lft[3] + lft[4] + lft[5] > 0.8 * lft[:8].sum()
    assert r[8] > 0


def test_flow_histogram_layout():
    flows = np.zeros((2, 6, 6, 2), np.float32)
    flows[:, :3, :3, 1] = 3.0  # top-left cell moves down (angle pi/2 -> bin 2 of 8)
    h = flow_histogram(flows, grid=2, n_bins=8).reshape(4, 9)
    assert h[0, 2] == pytest.approx(1.0) and h[1:, 8] == pytest.approx([1, 1, 1])


def test_window_at_the_end_and_short_video():
    tf = OpticalFlowTransformer(n_stack=4, output="stack", flow_size=16, sequence_length=None,
                                frame_sampling="all")
    X = tf.fit_transform([_moving_square(2, n=6), _moving_square(2, n=3)])
    assert X.dtype == object and [x.shape for x in X] == [(6, 8, 16, 16), (3, 8, 16, 16)]
    # near the end the window moves back, so the last step has the same flow as step 1
    np.testing.assert_allclose(X[0][5], X[0][1])
    # a 3-frame video has 2 real flows; the rest of the 4-flow stack is zero
    assert np.abs(X[1][0][:4]).max() > 0 and np.all(X[1][0][4:] == 0)


def test_cache_and_counter(tmp_path):
    v = _moving_square(1)
    a = OpticalFlowTransformer(n_stack=2, flow_size=16, sequence_length=4, memory=str(tmp_path))
    Xa = a.fit_transform([v])
    b = OpticalFlowTransformer(n_stack=2, flow_size=16, sequence_length=4, memory=str(tmp_path))
    Xb = b.fit_transform([v])
    assert a.n_frames_computed_ == 4 and b.n_frames_computed_ == 0
    np.testing.assert_array_equal(Xa, Xb)
    c = OpticalFlowTransformer(n_stack=3, flow_size=16, sequence_length=4, memory=str(tmp_path))
    c.fit_transform([v])
    assert c.n_frames_computed_ == 4  # n_stack is part of the identity


def test_flow_through_the_one_engine_in_a_decode_pool_and_in_joblib_tasks():
    """Flow is a featurizer like the others: its windows of frames reach
    ``_featurize_frames`` in batches, whether decoded here, by a decode pool or in joblib
    tasks, and the frames shared by overlapping windows are decoded once."""
    videos = [_moving_square(2, n=7), _moving_square(-1, n=5), _moving_square(1, n=2)]
    ref = OpticalFlowTransformer(n_stack=3, flow_size=16, sequence_length=5,
                                 output="stack").fit_transform(videos)
    # step k of the 7-frame video (uniform steps 0, 1, 3, 4, 6 moved back to fit) stacks
    # the flows of frames start..start+3; steps 4 and 6 share their window (start 3)
    np.testing.assert_array_equal(ref[0][3], ref[0][4])
    for params in ({"n_decoders": 1}, {"n_jobs": 2}):
        tf = OpticalFlowTransformer(n_stack=3, flow_size=16, sequence_length=5,
                                    output="stack", **params)
        np.testing.assert_array_equal(tf.fit_transform(videos), ref)
        assert tf.n_frames_computed_ == 5 + 5 + 2  # distinct steps per video
