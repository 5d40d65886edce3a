"""Clips with one augmentation per frame: the Clip value, the featurizers' planning and
jobs, and the frame cache (each distinct (frame, augmentation) computed once)."""

import pickle

import numpy as np
import pytest

from skvideo_clf.augment import Augmentation
from skvideo_clf.features import FunctionFrameTransformer
from skvideo_clf.video import Clip, read_video

DARK, BRIGHT = Augmentation(brightness=0.5), Augmentation(brightness=2.0)


def pixel_mean(frames):
    """Frame (or window of frames) -> mean R, G, B."""
    return frames.reshape(len(frames), -1, 3).mean(1)


class WindowMean(FunctionFrameTransformer):
    """A featurizer that reads each step's frame and the one after it (as flow does)."""

    def _frames_after_step(self):
        return 1


def _flat(n_frames=4, step=20, size=8):
    """Frame t has every pixel equal to 20 + step * t (brightness scales it exactly)."""
    values = 20 + step * np.arange(n_frames)
    return np.broadcast_to(values[:, None, None, None], (n_frames, size, size, 3)).astype(
        np.uint8)


def test_clip_value_per_frame():
    clip = Clip("v.avi", (3, 3, 5), (DARK, BRIGHT, None))
    assert clip.per_frame_augmentation
    assert [clip.augmentation_at(k) for k in range(3)] == [DARK, BRIGHT, None]
    same = Clip("v.avi", [3, 3, 5], [DARK, BRIGHT, None])
    assert same == clip and hash(same) == hash(clip)
    assert pickle.loads(pickle.dumps(clip)) == clip
    assert clip != Clip("v.avi", (3, 3, 5), (BRIGHT, DARK, None))
    taken = clip.take([2, 0])
    assert taken.frame_indices == (5, 3) and taken.augmentation == (None, DARK)
    # a tuple of identities only is no augmentation; one augmentation is per clip
    assert Clip("v.avi", (1, 2), (None, None)).augmentation is None
    assert not Clip("v.avi", (1, 2), DARK).per_frame_augmentation
    assert Clip("v.avi", (1, 2), DARK).augmentation_at(1) == DARK
    assert "2 per frame" in repr(Clip("v.avi", (1, 2), (DARK, None)))


@pytest.mark.parametrize("indices", [(0, 1, 2), None])
def test_clip_refuses_per_frame_count_mismatch(indices):
    with pytest.raises(ValueError, match="2 per-frame augmentations"):
        Clip("v.avi", indices, (DARK, BRIGHT))


def test_read_applies_each_frames_augmentation():
    video = _flat()  # frames 20, 40, 60, 80
    clip = Clip(video, (1, 1, 2), (DARK, BRIGHT, None))
    values = [int(f[0, 0, 0]) for f in clip.read()]
    assert values == [20, 80, 60]


def test_features_follow_each_frame_and_repeats_differ():
    video = _flat()
    tf = FunctionFrameTransformer(pixel_mean, sequence_length=3).fit([video])
    X = tf.transform([Clip(video, (1, 1, 2), (DARK, BRIGHT, None))])
    np.testing.assert_allclose(X[0, :, 0], [20, 80, 60])
    assert tf.n_frames_computed_ == 3  # frame 1 twice, under two augmentations


def test_planning_keeps_each_steps_augmentation():
    video = _flat(6, step=10)  # 20, 30, ..., 70
    augs = (DARK, BRIGHT, None, DARK, BRIGHT, None)
    # up-sampled: 2 frames to 4 steps repeats positions in order, with their augmentation
    up = FunctionFrameTransformer(pixel_mean, sequence_length=4).fit([video])
    X = up.transform([Clip(video, (0, 5), (BRIGHT, DARK))])
    np.testing.assert_allclose(X[0, :, 0], [40, 40, 35, 35])
    # truncated: 6 frames to 3 steps keeps evenly spaced positions, with theirs
    down = FunctionFrameTransformer(pixel_mean, sequence_length=3).fit([video])
    X = down.transform([Clip(video, tuple(range(6)), augs)])
    expected = [np.mean(a.apply(f)) if a is not None else np.mean(f)
                for a, f in zip(augs, video)]
    positions = [0, 2, 5]  # uniform_indices(6, 3)
    np.testing.assert_allclose(X[0, :, 0], np.asarray(expected)[positions])


def test_cache_computes_each_distinct_frame_and_augmentation_once(tmp_path):
    video = _flat(5)
    clips = [Clip(video, (0, 1, 1, 2), (DARK, DARK, BRIGHT, None)),
             Clip(video, (1, 0, 3, 2), (BRIGHT, DARK, DARK, None))]  # 3 pairs shared
    tf = FunctionFrameTransformer(pixel_mean, sequence_length=4, memory=str(tmp_path))
    X = tf.fit(clips).transform(clips)
    assert tf.n_frames_computed_ == 5  # (0,D) (1,D) (1,B) (2,-) (3,D)
    np.testing.assert_allclose(X[0, :, 0], [10, 20, 80, 60])
    np.testing.assert_allclose(X[1, :, 0], [80, 10, 40, 60])
    # a second run, and a per-clip clip over pairs already computed: all from the cache
    again = FunctionFrameTransformer(pixel_mean, sequence_length=4, memory=str(tmp_path))
    Y = again.fit(clips).transform(clips + [Clip(video, (0, 1, 3, 3), DARK)])
    assert again.n_frames_computed_ == 0
    np.testing.assert_array_equal(Y[:2], X)
    # without a cache, one transform still computes each pair once
    nocache = FunctionFrameTransformer(pixel_mean, sequence_length=4).fit(clips)
    nocache.transform(clips + clips)
    assert nocache.n_frames_computed_ == 5


def test_per_frame_clips_of_a_file(counting_video):
    # frame i of the file is 8 * i; repeated and unsorted indices, one pass per video
    clip = Clip(str(counting_video), (9, 3, 3, 20), (None, BRIGHT, None, DARK))
    tf = FunctionFrameTransformer(pixel_mean, sequence_length=4).fit([clip])
    X = tf.transform([clip])
    source = read_video(str(counting_video), (9, 3, 3, 20)).reshape(4, -1, 3).mean(1)[:, 0]
    np.testing.assert_allclose(X[0, :, 0], source * [1, 2, 1, 0.5], atol=1.0)
    assert tf.n_frames_computed_ == 4


def test_windowed_featurizer_augments_each_steps_window_alike():
    video = _flat(4)  # 20, 40, 60, 80
    tf = WindowMean(pixel_mean, sequence_length=2).fit([video])
    X = tf.transform([Clip(video, (0, 2), (BRIGHT, DARK))])
    # step 0 reads frames 0-1 brightened, step 1 frames 2-3 darkened
    np.testing.assert_allclose(X[0, :, 0], [60, 35])
