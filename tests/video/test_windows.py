"""sliding_windows: window times and counts, the last partial window, one frame grid."""

import math

import numpy as np
import pytest

from skvideo_clf.features import FunctionFrameTransformer
from skvideo_clf.video import InMemoryVideo, WindowClip, sliding_windows

LONG = np.zeros((110, 8, 8, 3), np.uint8)
VIDEO = LONG[:100]  # 10 s at 10 fps


def test_times_counts_and_frames_on_one_grid():
    windows = sliding_windows(VIDEO, 2, 1, frames_per_window=4, fps=10)
    assert len(windows) == 9  # starts 0..8 s; 8 + 2 = 10 s is the end of the video
    assert [w.start for w in windows] == [float(i) for i in range(9)]
    assert [w.end for w in windows] == [float(i + 2) for i in range(9)]
    for i, w in enumerate(windows):
        assert isinstance(w, WindowClip)
        assert w.frame_indices == tuple(10 * i + np.array([0, 5, 10, 15]))
    # overlapping windows take the same frames where they overlap: a grid of 0.5 s
    assert sorted({f for w in windows for f in w.frame_indices}) == list(range(0, 100, 5))


def test_last_partial_window_aligned_to_the_end_or_dropped():
    video = LONG[:105]  # 10.5 s: the last full window on the stride ends at 10 s
    aligned = sliding_windows(video, 2, 1, frames_per_window=4, fps=10)
    assert len(aligned) == 10
    assert (aligned[-1].start, aligned[-1].end) == (8.5, 10.5)
    assert aligned[-1].frame_indices == (85, 90, 95, 100)  # on the same 0.5 s grid
    dropped = sliding_windows(video, 2, 1, frames_per_window=4, fps=10, last="drop")
    assert len(dropped) == 9 and dropped[-1].end == 10.0
    # a tail shorter than one grid step (0.5 s) gets no window of its own
    assert len(sliding_windows(LONG[:104], 2, 1, frames_per_window=4, fps=10)) == 9


def test_window_as_long_as_the_video_is_one_window():
    windows = sliding_windows(VIDEO, 10, 1, frames_per_window=4, fps=10)
    assert [(w.start, w.end) for w in windows] == [(0.0, 10.0)]
    assert windows[0].frame_indices == (0, 25, 50, 75)


def test_stride_off_the_grid_moves_starts_by_at_most_half_a_step():
    windows = sliding_windows(VIDEO, 2, 0.6, frames_per_window=4, fps=10)
    step = 0.5
    # starts 0, 0.6, ..., 7.8 (14 of them): 7.8 moves to the grid point 8.0, which ends
    # the last window at the end of the video
    assert len(windows) == math.floor(8 / 0.6) + 1 == 14 and windows[-1].end == 10.0
    for i, w in enumerate(windows):
        assert abs(w.start - i * 0.6) <= step / 2 + 1e-9
        assert w.end - w.start == pytest.approx(2.0)
    assert all(f % 5 == 0 for w in windows for f in w.frame_indices)


def test_default_stride_is_half_the_window_and_frames_default_to_every_frame():
    windows = sliding_windows(VIDEO, 1, fps=10)
    assert [w.start for w in windows[:3]] == [0.0, 0.5, 1.0]
    assert windows[0].frame_indices == tuple(range(10))


def test_frames_unit_without_a_frame_rate():
    windows = sliding_windows(InMemoryVideo(VIDEO), 20, 10, unit="frames",
                              frames_per_window=4)
    assert len(windows) == 9 and windows[2].frame_indices == (20, 25, 30, 35)
    assert np.isnan(windows[0].start) and np.isnan(windows[0].end)


def test_file_windows_read_their_frames(counting_video):
    # 30 frames at 10 fps; frame i has pixels 8 * i
    windows = sliding_windows(counting_video, 1, 0.4, frames_per_window=5)
    assert [w.start for w in windows] == pytest.approx([0, 0.4, 0.8, 1.2, 1.6, 2.0])
    assert windows[-1].end == pytest.approx(3.0)
    levels = [int(round(f.mean() / 8)) for f in windows[1].read()]
    assert levels == [4, 6, 8, 10, 12]


@pytest.mark.parametrize("kwargs, message", [
    (dict(window=11, stride=1), r"lasts 10 s \(100 frames at 10 fps\).*at most 10 s"),
    (dict(window=0.3, stride=0.3), r"spans 3 frames.*at least 0.4 s"),
    (dict(window=2, stride=0.25), r"shorter than the frame grid's step.*at least 0.5 s"),
])
def test_windows_that_do_not_fit_say_what_fits(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sliding_windows(VIDEO, frames_per_window=4, fps=10, **kwargs)


def test_seconds_need_a_frame_rate_and_bad_values_are_refused():
    with pytest.raises(ValueError, match="need the frame rate"):
        sliding_windows(VIDEO, 2, 1)
    with pytest.raises(ValueError, match="stride"):
        sliding_windows(VIDEO, 2, 0, fps=10)
    with pytest.raises(ValueError, match="stride"):
        sliding_windows(VIDEO, 2, -1, fps=10)


_SEEN = []


def _counting_mean(frames):
    _SEEN.extend(int(f[0, 0, 0]) for f in frames)
    return frames.reshape(len(frames), -1, 3).mean(axis=1)


def test_shared_frames_are_computed_once():
    video = np.arange(100, dtype=np.uint8)[:, None, None, None] * np.ones((1, 4, 4, 3),
                                                                           np.uint8)
    windows = sliding_windows(video, 2, 0.5, frames_per_window=4, fps=10)
    slots = sum(len(w) for w in windows)
    distinct = {f for w in windows for f in w.frame_indices}
    assert len(windows) == 17 and slots == 68 and len(distinct) == 20
    feats = FunctionFrameTransformer(_counting_mean, sequence_length=4).fit(video[None])
    _SEEN.clear()
    X = feats.transform(windows)
    assert sorted(_SEEN) == sorted(distinct)  # each distinct frame through once
    assert feats.n_frames_computed_ == len(distinct)
    # and each window got its own frames, in order
    np.testing.assert_array_equal(X[3, :, 0], [15, 20, 25, 30])
