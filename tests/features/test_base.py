"""The shared frame-featurizer machinery, through a tiny featurizer (mean colour per frame),
and TemporalPooling."""

import warnings

import numpy as np
import pytest
from sklearn.base import clone

from skvideo_clf.augment import Augmentation
from skvideo_clf.features import (
    BaseFrameTransformer,
    FunctionFrameTransformer,
    InceptionFrameTransformer,
    LowLevelFrameTransformer,
    OpticalFlowTransformer,
    TemporalPooling,
    square_side,
    to_square_maps,
)
from skvideo_clf.video import Clip, VideoReadError, write_video


class MeanColour(BaseFrameTransformer):
    """Frame -> its mean R, G, B (and the raw value of pixel (0, 0) channel 0)."""

    def __init__(self, sequence_length=4, frame_sampling="uniform", padding="upsample",
                 memory=None, n_jobs=None, verbose=0, random_state=None, poison=False):
        super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                         padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                         random_state=random_state)
        self.poison = poison

    _parameter_constraints = {**BaseFrameTransformer._parameter_constraints,
                              "poison": ["boolean"]}

    def _featurize_frames(self, frames):
        out = np.c_[frames.reshape(len(frames), -1, 3).mean(1), frames[:, 0, 0, 0]]
        out = out.astype(np.float32)
        if self.poison:
            out[0, 0] = np.nan
        return out


def counting(n, value_step=1, size=4):
    """In-memory video whose frame i is filled with i * value_step."""
    return (np.arange(n, dtype=np.uint8)[:, None, None, None] * value_step
            * np.ones((n, size, size, 3), np.uint8))


def test_fixed_length_shape_dtype_and_uniform_frames():
    X = MeanColour(sequence_length=4).fit_transform([counting(8), counting(12)])
    assert X.shape == (2, 4, 4) and X.dtype == np.float32
    # uniform: evenly from first to last frame (frame i has value i)
    assert X[0, :, 3].tolist() == [0, 2, 5, 7]
    assert X[1, :, 3].tolist() == [0, 4, 7, 11]


def test_short_video_upsampled_and_said_at_verbose(capsys):
    X = MeanColour(sequence_length=6, verbose=1).fit_transform([counting(3)])
    assert X[0, :, 3].tolist() == [0, 0, 1, 1, 2, 2]
    assert "up-sampled" in capsys.readouterr().out


def test_block_strategy_zero_padding_and_truncation():
    # block: 8 of every 25 -> 30 frames give 8 + 2 = 10 indices
    tf = MeanColour(sequence_length=16, frame_sampling="block", padding="zeros")
    X = tf.fit_transform([counting(30)])
    assert X[0, :10, 3].tolist() == [0, 3, 7, 10, 14, 17, 21, 24, 25, 29]
    assert np.all(X[0, 10:] == 0)
    X = tf.set_params(sequence_length=5).fit_transform([counting(30)])
    assert X[0, :, 3].tolist() == [0, 3, 7, 10, 14]  # truncated, as the UCF101 thesis does


def test_short_video_zero_padded_with_uniform_sampling():
    # the UCF101 thesis: every frame once, then zero steps (not uniform sampling's repeats)
    X = MeanColour(sequence_length=6, padding="zeros").fit_transform([counting(3, 10)])
    assert X[0, :, 3].tolist() == [0, 10, 20, 0, 0, 0]
    assert np.all(X[0, 3:] == 0)


def test_long_sampler_clip_keeps_its_span_at_a_shorter_length():
    # an oversampler clip of 40 frames read by a featurizer of 5 steps covers the whole
    # clip, not its first 5 frames
    clip = Clip(counting(80), tuple(range(0, 80, 2)))
    X = MeanColour(sequence_length=5).fit_transform([clip])
    assert X[0, :, 3].tolist() == [0, 20, 40, 58, 78]


def test_variable_length_form_is_sklearn_indexable():
    X = MeanColour(sequence_length=None, frame_sampling="all").fit_transform(
        [counting(3), counting(5), counting(2)])
    assert X.dtype == object and X.ndim == 1 and [x.shape for x in X] == [(3, 4), (5, 4), (2, 4)]
    assert all(x.dtype == np.float32 for x in X)
    from sklearn.utils import _safe_indexing

    assert [len(x) for x in _safe_indexing(X, [2, 0])] == [2, 3]


def test_clip_indices_and_augmentation_are_used():
    video = counting(10, 20)
    clips = [Clip(video, (9, 1, 1, 5)), Clip(video, (9, 1, 1, 5), Augmentation(brightness=0.5))]
    X = MeanColour(sequence_length=4).fit_transform(clips)
    assert X[0, :, 3].tolist() == [180, 20, 20, 100]
    assert X[1, :, 3].tolist() == [90, 10, 10, 50]


def test_rand_down_is_deterministic_for_a_fixed_random_state():
    videos = [counting(40), counting(33)]
    a = MeanColour(frame_sampling="rand_down", random_state=3).fit_transform(videos)
    b = MeanColour(frame_sampling="rand_down", random_state=3).fit_transform(videos)
    c = MeanColour(frame_sampling="rand_down", random_state=4).fit_transform(videos)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    # one random frame inside each skip window of 10
    assert all(10 * k <= v < 10 * (k + 1) for k, v in enumerate(a[0, :, 3]))


def test_n_jobs_gives_the_same_features():
    videos = [counting(n) for n in (5, 9, 12, 7)]
    a = MeanColour().fit_transform(videos)
    b = MeanColour(n_jobs=2).fit_transform(videos)
    np.testing.assert_array_equal(a, b)


def test_all_bad_files_reported_in_one_error(tmp_path):
    # 16 px: OpenCV 5 MJPG writer crashes (free(): invalid next size) on 4x4 frames
    good = write_video(tmp_path / "good.avi", counting(6, 30, 16), fps=10)
    bad1 = tmp_path / "broken.avi"
    bad1.write_bytes(b"this is not a video" * 50)
    bad2 = tmp_path / "missing.avi"
    with pytest.raises(VideoReadError) as err:
        MeanColour().fit_transform([str(good), str(bad1), str(bad2)])
    msg = str(err.value)
    assert "2 of 3 videos" in msg and "broken.avi" in msg and "missing.avi" in msg
    assert "good.avi" not in msg


def test_truncated_clip_request_names_the_file(tmp_path):
    path = write_video(tmp_path / "short.avi", counting(5, 30, 16), fps=10)
    with pytest.raises(VideoReadError, match="short.avi"):
        MeanColour().fit_transform([Clip(str(path), (0, 2, 40))])


def test_nan_never_leaks():
    with pytest.raises(ValueError, match="NaN"):
        MeanColour(poison=True).fit_transform([counting(5)])


def test_clone_and_pickle_roundtrip():
    import pickle

    tf = MeanColour(sequence_length=3).fit([counting(4)])
    tf2 = pickle.loads(pickle.dumps(tf))
    np.testing.assert_array_equal(tf.transform([counting(6)]), tf2.transform([counting(6)]))
    assert clone(tf).get_params() == tf.get_params()


# ---------------------------------------------------------------- TemporalPooling


def test_pooling_mean_max_on_fixed_and_ragged():
    X = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2) + 1
    assert TemporalPooling().fit_transform(X).tolist() == [[3, 4], [9, 10]]
    assert TemporalPooling(method="max").fit_transform(X).tolist() == [[5, 6], [11, 12]]
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = X[0, :1], X[1]
    out = TemporalPooling(method="mean_max").fit_transform(ragged)
    assert out.shape == (2, 4) and out.dtype == np.float32
    assert out.tolist() == [[1, 2, 1, 2], [9, 10, 11, 12]]


def test_pooling_masks_zero_padding_and_reads_2d_as_length_one():
    X = np.zeros((1, 4, 2), np.float32)
    X[0, 0] = [2, 4]
    assert TemporalPooling().fit_transform(X).tolist() == [[2, 4]]
    assert TemporalPooling(mask_padding=False).fit_transform(X).tolist() == [[0.5, 1]]
    assert TemporalPooling().fit_transform(np.ones((3, 5))).shape == (3, 5)


def test_pooling_passes_sklearn_estimator_checks():
    from sklearn.utils.estimator_checks import check_estimator

    check_estimator(TemporalPooling())


def test_pooling_rejects_bad_shapes():
    tp = TemporalPooling().fit(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="X has 5 features, but TemporalPooling is expecting 4"):
        tp.transform(np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match="Expected feature sequences"):
        tp.transform(np.ones((2, 3, 4, 4)))


def test_verbose_progress_bar_shows_frames_per_second(capsys):
    MeanColour(sequence_length=3, verbose=1).fit_transform([counting(5), counting(6)])
    captured = capsys.readouterr()
    assert "frames/s" in captured.err and "2/2" in captured.err  # tqdm: videos done
    assert "6 to compute" in captured.out


# ---------------------------------------------------------------- the public contract


def _brightness(frames, scale=1.0):
    return frames.reshape(len(frames), -1).mean(axis=1, keepdims=True) * scale


def test_function_featurizer_in_parallel_and_long_videos():
    # 70 frames: more than one call of the function per video (32 frames at a time)
    tf = FunctionFrameTransformer(_brightness, kw_args={"scale": 2.0}, sequence_length=None,
                                  frame_sampling="all", n_jobs=2)
    X = tf.fit_transform([counting(70), counting(3)])
    assert [x.shape for x in X] == [(70, 1), (3, 1)]
    assert X[0][:, 0].tolist() == [2.0 * i for i in range(70)]
    assert tf.n_frames_computed_ == 73


def test_featurize_frames_must_return_one_row_per_frame():
    with pytest.raises(ValueError, match=r"func .*<lambda> returned shape \(1,\) for a "
                                         r"batch of 3 frames; expected \(3, \.\.\.\)"):
        FunctionFrameTransformer(lambda f: f.mean(keepdims=True).ravel()).fit_transform(
            [counting(3)])


def test_base_without_featurize_frames_says_so():
    class Nothing(BaseFrameTransformer):
        def __init__(self, sequence_length=2, frame_sampling="uniform", padding="upsample",
                     memory=None, n_jobs=None, verbose=0, random_state=None):
            super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
                             padding=padding, memory=memory, n_jobs=n_jobs, verbose=verbose,
                             random_state=random_state)

    with pytest.raises(NotImplementedError, match="_featurize_frames"):
        Nothing().fit_transform([counting(3)])


@pytest.mark.parametrize("featurizer", [
    MeanColour(), FunctionFrameTransformer(_brightness), InceptionFrameTransformer(),
    LowLevelFrameTransformer(), OpticalFlowTransformer(),
], ids=lambda est: type(est).__name__)
def test_featurizers_pass_check_param_validation(featurizer):
    from sklearn.utils.estimator_checks import check_param_validation

    check_param_validation(type(featurizer).__name__, featurizer)


def test_to_square_maps():
    assert square_side(324) == 18 and square_side(325) == 19 and square_side(3, min_side=5) == 5
    X = np.arange(2 * 3 * 5, dtype=np.float64).reshape(2, 3, 5)
    maps = to_square_maps(X)
    assert maps.shape == (2, 3, 3, 3) and maps.dtype == np.float32
    np.testing.assert_array_equal(maps.reshape(2, 3, 9)[..., :5], X)
    assert np.all(maps.reshape(2, 3, 9)[..., 5:] == 0)
    assert to_square_maps(np.ones((4, 16)), side=4).shape == (4, 4, 4)
    assert to_square_maps(np.ones((4, 16)), min_side=5).shape == (4, 5, 5)
    with pytest.raises(ValueError, match="17 features do not fit on 4 x 4"):
        to_square_maps(np.ones((1, 17)), side=4)


def _truncated_avi(folder):
    full = str(folder / "full.avi")
    write_video(full, np.random.default_rng(0).integers(0, 256, (24, 32, 32, 3), np.uint8))
    data = open(full, "rb").read()
    cut = folder / "cut.avi"
    cut.write_bytes(data[: len(data) // 2])  # the frame index at the end is lost too
    return full, str(cut)


def _truncated_faststart_mp4(folder):
    av = pytest.importorskip("av")
    if "libx264" not in av.codecs_available:
        pytest.skip("this PyAV build has no libx264 encoder")
    full = str(folder / "full.mp4")
    rng = np.random.default_rng(0)
    with av.open(full, "w", options={"movflags": "faststart"}) as out:  # header first
        stream = out.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuv420p"
        for _ in range(24):
            img = rng.integers(0, 256, (48, 64, 3), np.uint8)
            out.mux(stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")))
        out.mux(stream.encode())
    data = open(full, "rb").read()
    cut = folder / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    return full, str(cut)


@pytest.mark.parametrize("make", [_truncated_avi, _truncated_faststart_mp4])
def test_a_truncated_video_warns_or_is_refused(tmp_path, make):
    from skvideo_clf.video import video_info

    full, cut = make(tmp_path)
    info = video_info(cut)
    assert info.declared_frames == 24 and info.n_frames < 18 and info.truncated
    assert not video_info(full).truncated
    n = info.n_frames
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the whole file says nothing
        FunctionFrameTransformer(_brightness, sequence_length=4).fit_transform([full])
    tf = FunctionFrameTransformer(_brightness, sequence_length=4)
    with pytest.warns(UserWarning, match=rf"cut\.\w+: only {n} of the 24 frames its header "
                                         "declares decode"):
        X = tf.fit_transform([full, cut])
    assert X.shape == (2, 4, 1) and tf.n_frames_computed_ == 8  # from the frames there are
    strict = FunctionFrameTransformer(_brightness, sequence_length=4, on_short_video="error")
    with pytest.raises(VideoReadError, match=rf"1 of 2 videos.*\n  - video 1: .*cut\.\w+: "
                                             rf"only {n} of the 24 frames"):
        strict.fit_transform([full, cut])
