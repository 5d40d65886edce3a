"""SpatioTemporalOversampler: the paper's rule and worked examples, imblearn's counts,
clips, augmentation, feature sequences, determinism and source tracking."""

import pickle
from collections import Counter

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GroupKFold
from sklearn.utils._param_validation import InvalidParameterError

from skvideo_clf.augment import Augmentation
from skvideo_clf.features import FunctionFrameTransformer
from skvideo_clf.sampling import SpatioTemporalOversampler
from skvideo_clf.video import Clip, as_clip, read_frames, read_video, up_sample_indices

NO_AUG = dict(rotation_range=0, translation_range=0, shear_range=0, brightness_range=(1, 1))


def _videos(sizes, n_frames=25, size=4, seed=0):
    """Tiny random in-memory videos, ``sizes`` = {label: count}."""
    rng = np.random.RandomState(seed)
    videos, y = [], []
    for label, count in sizes.items():
        for _ in range(count):
            videos.append(rng.randint(0, 256, (n_frames, size, size, 3), dtype=np.uint8))
            y.append(label)
    return videos, np.array(y)


def _pixel_mean(frames):
    return frames.reshape(len(frames), -1, 3).mean(1)


def _counting_video(n_frames, size=16):
    """Frame t has every pixel equal to t: decoded pixels reveal the frame index."""
    return np.repeat(np.arange(n_frames, dtype=np.uint8), size * size * 3).reshape(
        n_frames, size, size, 3)


def test_paper_worked_example_frequency():
    # The CNN-ResBiLSTM paper, IV-A: delta = 100 and n_j = 20 give freq_j = 5 clips per video.
    videos, y = _videos({"big": 100, "small": 20}, n_frames=2, size=2)
    sampler = SpatioTemporalOversampler(sequence_length=2, random_state=0)
    clips, y_res = sampler.fit_resample(videos, y)
    assert Counter(y_res.tolist()) == {"big": 100, "small": 100}
    per_video = np.bincount(sampler.sample_indices_, minlength=len(y))
    assert per_video[y == "small"].tolist() == [5] * 20
    assert per_video[y == "big"].tolist() == [1] * 100
    assert sampler.sampling_strategy_ == {"big": 0, "small": 80}
    assert all(isinstance(c, Clip) for c in clips)


def test_paper_rule_rounds_up_when_not_divisible():
    videos, y = _videos({"a": 10, "b": 4, "c": 3}, n_frames=2, size=2)
    clips, y_res = SpatioTemporalOversampler(sequence_length=2, random_state=0).fit_resample(
        videos, y)
    # ceil(10/4) = 3 and ceil(10/3) = 4 clips per video.
    assert Counter(y_res.tolist()) == {"a": 10, "b": 12, "c": 12}


def test_rand_down_picks_one_frame_per_window():
    # The CNN-ResBiLSTM paper: alpha = 5 on 25 frames -> skip 5, one random frame out of each 5.
    videos, y = _videos({"a": 1, "b": 1}, n_frames=25)
    sampler = SpatioTemporalOversampler(
        sampling_strategy={"b": 201}, sequence_length=5, random_state=0, **NO_AUG)
    clips, _ = sampler.fit_resample(videos, y)
    synthetic = np.array([c.frame_indices for c in clips[2:]])
    assert synthetic.shape == (200, 5)
    assert (synthetic // 5 == np.arange(5)).all()
    # Random inside each window, not a fixed pick: every frame of every window shows up.
    for w in range(5):
        assert set(synthetic[:, w].tolist()) == set(range(5 * w, 5 * w + 5))


def test_up_sample_for_short_videos():
    videos, y = _videos({"a": 2, "b": 1}, n_frames=3)
    clips, _ = SpatioTemporalOversampler(sequence_length=7, random_state=0).fit_resample(
        videos, y)
    assert clips[3].frame_indices == tuple(up_sample_indices(3, 7).tolist())
    assert clips[3].frame_indices == (0, 0, 0, 1, 1, 2, 2)


SIZES = {"a": 10, "b": 4, "c": 3}


@pytest.mark.parametrize("strategy, expected", [
    ("paper", {"a": 10, "b": 12, "c": 12}),
    ("auto", {"a": 10, "b": 10, "c": 10}),
    ("not majority", {"a": 10, "b": 10, "c": 10}),
    ("all", {"a": 10, "b": 10, "c": 10}),
    ("minority", {"a": 10, "b": 4, "c": 10}),
    ("not minority", {"a": 10, "b": 10, "c": 3}),
    ({"b": 7, "c": 9}, {"a": 10, "b": 7, "c": 9}),
    (lambda y: {"c": 11}, {"a": 10, "b": 4, "c": 11}),
])
def test_exact_class_counts(strategy, expected):
    videos, y = _videos(SIZES, n_frames=6, size=2)
    sampler = SpatioTemporalOversampler(sampling_strategy=strategy, sequence_length=4,
                                        random_state=0)
    clips, y_res = sampler.fit_resample(videos, y)
    assert Counter(y_res.tolist()) == expected
    assert len(clips) == len(y_res) == len(sampler.sample_indices_)
    assert (y[sampler.sample_indices_] == y_res).all()
    # The gain of a class is spread as evenly as possible over its videos.
    per_video = np.bincount(sampler.sample_indices_, minlength=len(y))
    for label in SIZES:
        counts = per_video[y == label]
        assert counts.max() - counts.min() <= 1


def test_float_strategy_binary():
    videos, y = _videos({"a": 10, "b": 2}, n_frames=6, size=2)
    _, y_res = SpatioTemporalOversampler(sampling_strategy=0.5, sequence_length=4,
                                         random_state=0).fit_resample(videos, y)
    assert Counter(y_res.tolist()) == {"a": 10, "b": 5}


def test_keep_original_first_clips():
    videos, y = _videos({"a": 3, "b": 1}, n_frames=10)
    clips, _ = SpatioTemporalOversampler(sequence_length=4, random_state=0).fit_resample(
        videos, y)
    # The first clip of each video is the video itself: no frames chosen, no augmentation.
    for i in range(4):
        assert clips[i] == as_clip(videos[i])
        assert clips[i].frame_indices is None and clips[i].augmentation is None
    assert all(len(c.frame_indices) == 4 and c.augmentation is not None for c in clips[4:])

    clips, _ = SpatioTemporalOversampler(sequence_length=4, keep_original=False,
                                         random_state=0).fit_resample(videos, y)
    # Algorithm 1 as written: every clip, even a majority video's only one, is synthetic.
    assert len(clips) == 6
    assert all(len(c.frame_indices) == 4 and c.augmentation is not None for c in clips)


def test_deterministic_under_random_state():
    videos, y = _videos({"a": 6, "b": 2}, n_frames=12)
    a = SpatioTemporalOversampler(sampling_strategy="auto", sequence_length=4, random_state=3)
    b = SpatioTemporalOversampler(sampling_strategy="auto", sequence_length=4, random_state=3)
    c = SpatioTemporalOversampler(sampling_strategy="auto", sequence_length=4, random_state=4)
    clips_a, _ = a.fit_resample(videos, y)
    clips_b, _ = b.fit_resample(videos, y)
    clips_c, _ = c.fit_resample(videos, y)
    assert clips_a.tolist() == clips_b.tolist()
    assert (a.sample_indices_ == b.sample_indices_).all()
    assert clips_a.tolist() != clips_c.tolist()


def test_augmentation_ranges_honoured_and_coherent():
    video = _counting_video(20) * 10  # frame t is 10 * t
    videos = [video, video.copy(), _counting_video(20)]
    y = ["a", "a", "b"]
    sampler = SpatioTemporalOversampler(
        sampling_strategy={"b": 41}, sequence_length=5, rotation_range=30.0,
        translation_range=0, shear_range=0, brightness_range=(1, 1), random_state=0)
    clips, _ = sampler.fit_resample(videos, y)
    augs = [c.augmentation for c in clips[3:]]
    rotations = np.array([a.rotation for a in augs])
    assert (np.abs(rotations) <= 30).all() and rotations.std() > 5
    assert all(a.translation == (0, 0) and a.shear == 0 and a.brightness == 1 for a in augs)
    # One draw per clip (a Clip applies its one Augmentation to every frame it reads).
    assert len({a.rotation for a in augs}) == len(augs)


def test_rotated_clip_differs_from_source_pixels():
    rng = np.random.RandomState(0)
    frames = rng.randint(0, 256, (10, 16, 16, 3), dtype=np.uint8)
    videos, y = [frames, frames[::-1].copy(), frames], ["a", "a", "b"]
    sampler = SpatioTemporalOversampler(
        sampling_strategy={"b": 2}, sequence_length=5, rotation_range=20,
        translation_range=0, shear_range=0, brightness_range=(1, 1), random_state=1)
    clips, _ = sampler.fit_resample(videos, y)
    clip = clips[3]
    assert abs(clip.augmentation.rotation) > 1
    augmented = np.stack(list(clip.read()))
    source = read_video(frames, clip.frame_indices)
    assert augmented.shape == source.shape
    assert np.abs(augmented.astype(int) - source).mean() > 10


def test_zero_ranges_reproduce_source_frames_exactly(video_folder):
    _, paths, y = video_folder  # AVI files on disk, 3 classes x 4, 8 frames each
    keep = [0, 1, 2, 3, 4, 5, 6, 7, 8]  # drop 3 videos of the last class: 4, 4, 1
    paths, y = [paths[i] for i in keep], np.asarray(y)[keep]
    sampler = SpatioTemporalOversampler(sequence_length=4, random_state=0, **NO_AUG)
    clips, y_res = sampler.fit_resample(paths, y)
    assert Counter(y_res.tolist())[y[-1]] == 4
    synthetic = clips[len(paths):]
    assert len(synthetic) == 3
    for clip, src in zip(synthetic, sampler.sample_indices_[len(paths):]):
        assert clip.source == str(paths[src]) and clip.augmentation is None
        got = np.stack(list(clip.read()))
        expected = np.stack(list(read_frames(paths[src], clip.frame_indices)))
        assert np.array_equal(got, expected)


def test_every_clip_maps_to_its_source_and_groups_never_leak(tiny_videos):
    videos, y, _ = tiny_videos
    keep = np.r_[0:16, 16, 20, 24, 28]  # 4 classes x 4, then 4 classes x 1
    videos, y = [videos[i] for i in keep], np.asarray(y)[keep]
    sampler = SpatioTemporalOversampler(sequence_length=4, random_state=0)
    clips, y_res = sampler.fit_resample(videos, y)
    assert len(clips) == 32
    for clip, label, src in zip(clips, y_res, sampler.sample_indices_):
        assert clip.source == as_clip(videos[src]).source
        assert label == y[src]
    groups = sampler.sample_indices_
    for train, test in GroupKFold(4).split(clips, y_res, groups):
        # grouping by sample_indices_ keeps every source video on one side
        train_sources = {clips[i].source for i in train}
        assert not train_sources & {clips[i].source for i in test}


def test_feature_sequences_temporal_part_only():
    # Step t of every sequence holds the value t, so output values are frame indices.
    n, T, D = 5, 25, 3
    X = np.repeat(np.arange(T, dtype=np.float32)[None, :, None], n, 0).repeat(D, 2)
    y = np.array(["a", "a", "a", "a", "b"])
    sampler = SpatioTemporalOversampler(sequence_length=5, random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (8, 5, D) and X_res.dtype == np.float32
    assert Counter(y_res.tolist()) == {"a": 4, "b": 4}
    assert X_res[:5, :, 0].tolist() == [[0, 6, 12, 18, 24]] * 5  # originals: uniform
    steps = X_res[5:, :, 0].astype(int)
    assert (steps // 5 == np.arange(5)).all()  # synthetic: RandDown windows


def test_variable_length_sequences():
    rng = np.random.RandomState(0)
    seqs = np.empty(3, dtype=object)
    for i, t in enumerate([7, 3, 12]):
        seqs[i] = rng.randn(t, 2).astype(np.float32)
    y = ["a", "a", "b"]
    X_res, y_res = SpatioTemporalOversampler(sequence_length=5, random_state=0).fit_resample(
        seqs, y)
    assert X_res.shape == (4, 5, 2)
    assert np.array_equal(X_res[0], seqs[0][[0, 2, 3, 4, 6]])  # original: evenly spaced
    assert np.array_equal(X_res[1], seqs[1][up_sample_indices(3, 5)])  # original: UpSample
    assert np.isin(X_res[3], seqs[2]).all()  # synthetic, from the only "b" sequence


def test_2d_rows_are_copied():
    X = np.arange(12, dtype=float).reshape(6, 2)
    y = np.array([0, 0, 0, 0, 1, 1])
    sampler = SpatioTemporalOversampler(random_state=0)
    X_res, y_res = sampler.fit_resample(X, y)
    assert X_res.shape == (8, 2)
    assert np.array_equal(X_res, X[sampler.sample_indices_])
    assert sampler.n_features_in_ == 2


def test_input_clip_with_frames_is_resampled_within_them():
    video = _counting_video(30)
    clip = Clip(video, frame_indices=tuple(range(10, 30)))
    clips, _ = SpatioTemporalOversampler(sequence_length=4, random_state=0).fit_resample(
        [video, video, clip], ["a", "a", "b"])
    assert clips[2] == clip
    assert all(10 <= i < 30 for i in clips[3].frame_indices)


def test_bad_input_is_refused_with_a_clear_message():
    videos, y = _videos({"a": 2, "b": 1}, n_frames=4)
    augmented = Clip(videos[2], augmentation=Augmentation(rotation=5))
    with pytest.raises(ValueError, match="already carries an augmentation"):
        SpatioTemporalOversampler().fit_resample(videos[:2] + [augmented], y)
    with pytest.raises(ValueError, match="mixes"):
        SpatioTemporalOversampler().fit_resample(videos[:2] + [np.zeros((4, 3))], y)
    with pytest.raises(ValueError, match="brightness_range"):
        SpatioTemporalOversampler(brightness_range=(1.2, 0.8)).fit_resample(videos, y)
    with pytest.raises(InvalidParameterError, match="sequence_length"):
        SpatioTemporalOversampler(sequence_length=0).fit_resample(videos, y)
    with pytest.raises(ValueError, match="more than 1 class"):
        SpatioTemporalOversampler().fit_resample(videos, ["a", "a", "a"])
    with pytest.raises(TypeError, match="wrap it in a list"):
        SpatioTemporalOversampler().fit_resample("video.avi", ["a"])
    # Files are touched only to count the frames of videos that get synthetic clips.
    with pytest.raises(FileNotFoundError, match="missing.avi"):
        SpatioTemporalOversampler().fit_resample(["x.avi", "y.avi", "missing.avi"],
                                                 ["a", "a", "b"])


@pytest.mark.parametrize("bad", [(1.2, 0.8), (-0.5, 1.0), (0.5, 1.0, 2.0), ("a", "b")])
def test_brightness_range_has_one_check_and_one_message(bad):
    # The sampler and draw_augmentation share augment.check_brightness_range, so the same
    # fault reads the same, whatever the input kind and in fit as in fit_resample.
    from skvideo_clf.augment import draw_augmentation

    videos, y = _videos({"a": 2, "b": 1}, n_frames=4)
    seqs = np.zeros((3, 4, 2), dtype=np.float32)
    with pytest.raises(ValueError) as from_draw:
        draw_augmentation(0, brightness_range=bad)
    assert str(from_draw.value).startswith("brightness_range must be (low, high)")
    sampler = SpatioTemporalOversampler(brightness_range=bad)
    for call in (lambda: sampler.fit_resample(videos, y), lambda: sampler.fit(videos, y),
                 lambda: sampler.fit_resample(seqs, y)):
        with pytest.raises(ValueError) as from_sampler:
            call()
        assert str(from_sampler.value) == str(from_draw.value)


def test_default_augments_per_clip():
    assert SpatioTemporalOversampler().augment_per == "clip"
    with pytest.raises(InvalidParameterError, match="augment_per"):
        SpatioTemporalOversampler(augment_per="image").fit_resample(*_videos({"a": 2, "b": 1}))


def test_per_frame_draws_differ_across_frames_and_repeat_under_random_state():
    videos, y = _videos({"a": 3, "b": 1}, n_frames=20, size=16)
    params = dict(sequence_length=5, augment_per="frame", rotation_range=30.0,
                  translation_range=0.1, shear_range=10.0, brightness_range=(0.5, 1.5))
    clips, _ = SpatioTemporalOversampler(random_state=0, **params).fit_resample(videos, y)
    again, _ = SpatioTemporalOversampler(random_state=0, **params).fit_resample(videos, y)
    assert clips.tolist() == again.tolist()
    synthetic = clips[4:]
    assert len(synthetic) == 2
    for clip in synthetic:
        assert clip.per_frame_augmentation and len(clip.augmentation) == 5
        rot = np.array([a.rotation for a in clip.augmentation])
        bright = np.array([a.brightness for a in clip.augmentation])
        assert len(set(rot)) == 5 and (np.abs(rot) <= 30).all()
        assert len(set(bright)) == 5 and ((bright >= 0.5) & (bright <= 1.5)).all()
    # all 10 frames of the two clips drew their own parameters
    assert len({a for c in synthetic for a in c.augmentation}) == 10
    other, _ = SpatioTemporalOversampler(random_state=1, **params).fit_resample(videos, y)
    assert other[4].augmentation != clips[4].augmentation


def test_per_frame_differs_from_per_clip_after_the_first_draw():
    videos, y = _videos({"a": 2, "b": 1}, n_frames=20, size=16)
    kw = dict(sampling_strategy={"b": 2}, sequence_length=5, random_state=3)
    per_clip = SpatioTemporalOversampler(**kw).fit_resample(videos, y)[0][3]
    per_frame = SpatioTemporalOversampler(augment_per="frame", **kw).fit_resample(
        videos, y)[0][3]
    # same frames; the first frame's draw is the clip's draw, the others are new ones
    assert per_frame.frame_indices == per_clip.frame_indices
    assert per_frame.augmentation[0] == per_clip.augmentation
    assert all(a != per_clip.augmentation for a in per_frame.augmentation[1:])
    a, b = np.stack(list(per_clip.read())), np.stack(list(per_frame.read()))
    np.testing.assert_array_equal(a[0], b[0])
    assert all(np.abs(a[k].astype(int) - b[k]).mean() > 1 for k in range(1, 5))


def test_per_frame_clips_featurize_identically_twice():
    videos, y = _videos({"a": 3, "b": 1}, n_frames=12, size=16)
    clips, _ = SpatioTemporalOversampler(sequence_length=4, augment_per="frame",
                                         random_state=0).fit_resample(videos, y)
    per_clip, _ = SpatioTemporalOversampler(sequence_length=4,
                                            random_state=0).fit_resample(videos, y)

    def featurize(c):
        return FunctionFrameTransformer(_pixel_mean, sequence_length=4).fit(c).transform(c)

    X = featurize(clips)
    np.testing.assert_array_equal(X, featurize(clips))
    np.testing.assert_array_equal(X, featurize(pickle.loads(pickle.dumps(clips))))
    Xc = featurize(per_clip)
    np.testing.assert_array_equal(X[:3], Xc[:3])  # the originals (keep_original=True)
    assert not np.allclose(X[3:, 1:], Xc[3:, 1:])


def test_per_frame_sampler_clones_and_pickles():
    videos, y = _videos({"a": 3, "b": 1}, n_frames=12, size=8)
    sampler = SpatioTemporalOversampler(sequence_length=4, augment_per="frame",
                                        keep_original=False, random_state=0)
    copy = clone(sampler)
    assert copy.get_params()["augment_per"] == "frame"
    clips, _ = sampler.fit_resample(videos, y)
    restored = pickle.loads(pickle.dumps(sampler))
    assert restored.augment_per == "frame"
    assert restored.fit_resample(videos, y)[0].tolist() == clips.tolist()
    assert copy.fit_resample(videos, y)[0].tolist() == clips.tolist()
    assert all(c.per_frame_augmentation for c in clips)  # keep_original=False: all synthetic
