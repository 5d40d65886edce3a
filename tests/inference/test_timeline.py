"""predict_timeline and Timeline: a class change found within a stride, smoothing, segments."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling
from skvideo_clf.inference import Timeline, frames_per_clip, plot_timeline, predict_timeline
from skvideo_clf.video import sliding_windows

FPS = 10


def _colour_video(colour, n, rng):
    """``n`` noisy frames of one colour: 0 red, 1 green, 2 blue."""
    frames = rng.integers(0, 60, (n, 12, 12, 3)).astype(np.uint8)
    frames[..., colour] += 150
    return frames


@pytest.fixture(scope="module")
def colour_model():
    """Videos -> mean RGB of 4 frames -> pooled -> logistic regression (red/green/blue)."""
    rng = np.random.default_rng(0)
    videos = [_colour_video(c, 8, rng) for c in (0, 1, 2) for _ in range(4)]
    y = [name for name in ("red", "green", "blue") for _ in range(4)]
    model = make_pipeline(FunctionFrameTransformer(np.mean, kw_args={"axis": (1, 2)},
                                                   sequence_length=4),
                          TemporalPooling(), LogisticRegression(max_iter=1000))
    return model.fit(videos, y)


@pytest.mark.parametrize("change, stride", [(7.3, 0.5), (5.0, 1.0), (3.7, 0.25)])
def test_a_class_change_is_found_within_one_stride(colour_model, change, stride):
    rng = np.random.default_rng(1)
    n_red = int(change * FPS)
    video = np.concatenate([_colour_video(0, n_red, rng), _colour_video(2, 120 - n_red, rng)])
    tl = predict_timeline(colour_model, video, 1, stride, fps=FPS)
    assert len(tl) == len(sliding_windows(video, 1, stride, frames_per_window=4, fps=FPS))
    segments = tl.segments()
    assert [s["label"] for s in segments] == ["red", "blue"]
    assert abs(segments[0]["end"] - change) <= stride
    assert segments[0]["start"] == 0.0 and segments[1]["end"] == pytest.approx(12.0)
    assert segments[0]["end"] == segments[1]["start"]
    assert sum(s["windows"] for s in segments) == len(tl)
    assert tl.proba.shape == (len(tl), 3)
    np.testing.assert_allclose(tl.proba.sum(axis=1), 1.0, rtol=1e-6)


_SEEN = []


def _counting_mean(frames):
    _SEEN.append(len(frames))
    return frames.reshape(len(frames), -1, 3).mean(axis=1)


def test_frames_through_the_network_per_batch_of_windows():
    rng = np.random.default_rng(0)
    videos = [_colour_video(c, 8, rng) for c in (0, 2) for _ in range(3)]
    model = make_pipeline(FunctionFrameTransformer(_counting_mean, sequence_length=4),
                          TemporalPooling(), LogisticRegression())
    model.fit(videos, ["red"] * 3 + ["blue"] * 3)
    video = _colour_video(0, 100, rng)
    windows = sliding_windows(video, 2, 1, frames_per_window=4, fps=FPS)
    distinct = {f for w in windows for f in w.frame_indices}
    _SEEN.clear()
    predict_timeline(model, video, 2, 1, fps=FPS)  # one batch: every frame once
    assert sum(_SEEN) == len(distinct) == 20
    _SEEN.clear()
    predict_timeline(model, video, 2, 1, fps=FPS, batch_windows=4)
    # the 2 frames shared by the last window of a batch and the first of the next are
    # computed in both batches: 9 windows in batches of 4, 4, 1 -> 2 boundaries
    batches = [windows[i:i + 4] for i in range(0, len(windows), 4)]
    per_batch = sum(len({f for w in b for f in w.frame_indices}) for b in batches)
    assert sum(_SEEN) == per_batch == len(distinct) + 2 * 2


def test_frames_per_clip_reads_the_featurizer(colour_model):
    assert frames_per_clip(colour_model) == 4
    assert frames_per_clip(LogisticRegression()) is None


def _timeline(labels):
    proba = np.eye(2)[labels] * 0.8 + 0.1
    start = np.arange(len(labels), dtype=float)
    return Timeline("v", start, start + 2, proba, np.array(["a", "b"]))


def test_smooth_is_a_centred_mean_of_probabilities():
    tl = _timeline([0, 0, 1, 0, 0, 1, 1, 1])
    np.testing.assert_allclose(tl.smooth(1).proba, tl.proba)
    smooth = tl.smooth(3)
    assert smooth.labels.tolist() == ["a", "a", "a", "a", "a", "b", "b", "b"]
    np.testing.assert_allclose(smooth.proba[0], tl.proba[:2].mean(axis=0))  # truncated end
    np.testing.assert_allclose(smooth.proba[4], tl.proba[3:6].mean(axis=0))
    np.testing.assert_allclose(smooth.proba[-1], tl.proba[-2:].mean(axis=0))
    with pytest.raises(ValueError, match="positive integer"):
        tl.smooth(0)


def test_segments_and_rows():
    tl = _timeline([0, 0, 1, 0])  # centres 1, 2, 3, 4
    segs = tl.segments()
    assert [(s["start"], s["end"], s["label"], s["windows"]) for s in segs] == [
        (0.0, 2.5, "a", 2), (2.5, 3.5, "b", 1), (3.5, 5.0, "a", 1)]
    assert segs[0]["probability"] == pytest.approx(0.9)
    rows = tl.rows()
    assert list(rows[0]) == ["start", "end", "label", "probability", "p_a", "p_b"]
    assert rows[2]["label"] == "b" and rows[2]["p_b"] == pytest.approx(0.9)


def test_plot_timeline_draws_a_line_per_class_and_a_band_per_segment():
    tl = _timeline([0, 0, 1, 0])
    ax = plot_timeline(tl)
    assert len(ax.get_lines()) == 2
    assert len(ax.patches) == 3
    assert ax.get_xlim() == (0.0, 5.0)


def test_window_that_does_not_fit_is_refused_before_predicting(colour_model):
    video = np.zeros((30, 8, 8, 3), np.uint8)
    with pytest.raises(ValueError, match="lasts 3 s"):
        predict_timeline(colour_model, video, 5, 1, fps=FPS)
    with pytest.raises(ValueError, match="fewer than the 4 frames"):
        predict_timeline(colour_model, video, 0.3, 0.3, fps=FPS)


def test_a_file_is_read_once_per_batch_at_its_distinct_frames(colour_model, tmp_path,
                                                              monkeypatch):
    import skvideo_clf.video._decode as decode
    from skvideo_clf.video import write_video

    rng = np.random.default_rng(2)
    path = write_video(tmp_path / "long.avi", _colour_video(0, 200, rng), fps=FPS)
    requests = []
    real = decode._read_file  # every file decode

    def recording(path, indices, *args):
        requests.append(list(indices))
        return real(path, indices, *args)

    monkeypatch.setattr(decode, "_read_file", recording)
    windows = sliding_windows(path, 2, 1, frames_per_window=4)
    tl = predict_timeline(colour_model, path, 2, 1, batch_windows=8)
    assert len(tl) == len(windows) == 19
    # one read per batch of 8 windows, each of its distinct frames once, in order, from
    # the batch's first frame (not from the start of the video)
    batches = [windows[i:i + 8] for i in range(0, 19, 8)]
    expected = [sorted({f for w in b for f in w.frame_indices}) for b in batches]
    assert requests == expected
    assert requests[2][0] == 160
