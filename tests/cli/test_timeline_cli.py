"""skvideo-clf predict --window: rows per window, segments, smoothing, a plot, bad windows."""

import csv
import json

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import skvideo_clf.video._decode as decode
from skvideo_clf.cli import main
from skvideo_clf.cli._common import EXIT_OK, EXIT_USAGE
from skvideo_clf.features import FunctionFrameTransformer, TemporalPooling
from skvideo_clf.persistence import save_model
from skvideo_clf.video import sliding_windows, write_video

FPS = 10
CHANGE = 3.5  # seconds: red, then blue


def _colour(colour, n, rng):
    frames = rng.integers(0, 40, (n, 16, 16, 3)).astype(np.uint8)
    frames[..., colour] += 180
    return frames


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """(model file, a 7 s video red until 3.5 s then blue, a 1 s video)."""
    root = tmp_path_factory.mktemp("timeline")
    rng = np.random.default_rng(0)
    videos = [_colour(c, 8, rng) for c in (0, 2) for _ in range(3)]
    model = make_pipeline(FunctionFrameTransformer(np.mean, kw_args={"axis": (1, 2)},
                                                   sequence_length=4),
                          TemporalPooling(), LogisticRegression(max_iter=1000))
    model.fit(videos, ["red"] * 3 + ["blue"] * 3)
    path = save_model(root / "colour.skvc", model)
    n_red = int(CHANGE * FPS)
    long = write_video(root / "long.avi", np.concatenate([_colour(0, n_red, rng),
                                                          _colour(2, 70 - n_red, rng)]),
                       fps=FPS)
    short = write_video(root / "short.avi", _colour(0, 10, rng), fps=FPS)
    return str(path), str(long), str(short)


def test_one_row_per_window_as_csv(files, tmp_path, capsys):
    model, long, _ = files
    out = tmp_path / "tl.csv"
    assert main(["predict", model, long, "--window", "1", "--stride", "0.5", "-o",
                 str(out), "--quiet"]) == EXIT_OK
    rows = list(csv.DictReader(out.open()))
    windows = sliding_windows(long, 1, 0.5, frames_per_window=4)
    assert len(rows) == len(windows) == 13
    assert list(rows[0]) == ["video", "start", "end", "label", "probability", "p_blue",
                             "p_red"]
    assert [float(r["start"]) for r in rows] == [w.start for w in windows]
    assert float(rows[0]["end"]) == 1.0 and rows[0]["label"] == "red"
    assert rows[-1]["label"] == "blue"
    assert len(capsys.readouterr().out.splitlines()) == 13


def test_segments_as_json_find_the_change_within_a_stride(files, tmp_path):
    model, long, _ = files
    out = tmp_path / "tl.json"
    assert main(["predict", model, long, "--window", "1", "--stride", "0.5", "--segments",
                 "--smooth", "3", "-o", str(out), "--quiet"]) == EXIT_OK
    segs = json.loads(out.read_text())
    assert [s["label"] for s in segs] == ["red", "blue"]
    assert abs(segs[0]["end"] - CHANGE) <= 0.5
    assert segs[0]["start"] == 0.0 and segs[1]["end"] == 7.0
    assert set(segs[0]) == {"video", "start", "end", "label", "probability", "windows"}


def test_plot_draws_a_timeline_per_video(files, tmp_path):
    model, long, short = files
    png = tmp_path / "tl.png"
    assert main(["predict", model, long, short, "--window", "1", "--plot", str(png),
                 "--quiet"]) == EXIT_OK
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_without_window_predict_is_unchanged(files, capsys):
    model, long, short = files
    assert main(["predict", model, long, short, "--quiet"]) == EXIT_OK
    assert len(capsys.readouterr().out.splitlines()) == 2


@pytest.mark.parametrize("args, message", [
    (["--window", "30"], "lasts 7 s (70 frames at 10 fps)"),
    (["--window", "0.2"], "the model reads 4 frames per window"),
    (["--window", "1", "--stride", "0"], "--stride must be a positive number"),
    (["--window", "1", "--stride", "-1"], "--stride must be a positive number"),
    (["--window", "-1"], "--window must be a positive number"),
    (["--segments"], "need(s) --window"),
    (["--window", "1", "--smooth", "0"], "--smooth must be a positive"),
    (["--window", "1", "--plot", "timeline.xyz"], "give a file name ending in one of"),
])
def test_bad_windows_exit_2_before_decoding(files, monkeypatch, capsys, args, message):
    model, long, _ = files

    def no_decoding(*a, **k):
        raise AssertionError("a frame was decoded")

    monkeypatch.setattr(decode, "_read_file", no_decoding)  # every file decode
    assert main(["predict", model, long, *args]) == EXIT_USAGE
    assert message in capsys.readouterr().err


def test_a_window_longer_than_one_of_the_videos_says_which(files, capsys):
    model, long, short = files
    assert main(["predict", model, long, short, "--window", "2"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "short.avi lasts 1 s" in err and "at most 1 s" in err


def test_predict_writes_json_for_a_json_output(files, tmp_path, capsys):
    model, long, short = files
    out = tmp_path / "pred.JSON"
    assert main(["predict", model, long, short, "-o", str(out), "--quiet"]) == EXIT_OK
    rows = json.loads(out.read_text())  # JSON, not CSV
    assert [r["video"] for r in rows] == [long, short]
    assert set(rows[0]) == {"video", "label", "probability", "p_blue", "p_red"}
    for row, line in zip(rows, capsys.readouterr().out.splitlines(), strict=True):
        assert row["label"] == line.split()[1]
        assert row["p_blue"] + row["p_red"] == pytest.approx(1, abs=1e-5)
        assert row["probability"] == max(row["p_blue"], row["p_red"])


@pytest.mark.parametrize("window", [[], ["--window", "1"]])
@pytest.mark.parametrize("name", ["pred.txt", "pred", "pred.csv.bak"])
def test_predict_refuses_an_output_of_no_known_format_before_decoding(
        files, tmp_path, monkeypatch, capsys, window, name):
    model, long, _ = files

    def no_decoding(*a, **k):
        raise AssertionError("a frame was decoded")

    monkeypatch.setattr(decode, "_read_file", no_decoding)
    out = tmp_path / name
    assert main(["predict", model, long, *window, "-o", str(out)]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "-o/--output" in err and name in err and ".csv or .json" in err
    assert not out.exists()
