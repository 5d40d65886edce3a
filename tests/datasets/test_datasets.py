"""Synthetic temporal videos, class-folder loading with UCF101 split files, imbalance."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score

from skvideo_clf.datasets import (
    SYNTHETIC_CLASSES,
    TEMPORAL_PAIRS,
    disaster_class_sizes,
    load_video_folder,
    make_imbalanced,
    make_video_classification,
    parse_ucf101_group,
)
from skvideo_clf.video import read_video


def test_synthetic_shapes_counts_and_determinism():
    videos, y, groups = make_video_classification([5, 3, 2], n_frames=12, frame_size=(16, 24),
                                                  clips_per_group=2, return_groups=True,
                                                  random_state=1)
    assert len(videos) == 10
    assert all(v.shape == (12, 16, 24, 3) and v.dtype == np.uint8 for v in videos)
    assert dict(zip(*np.unique(y, return_counts=True))) == {
        "move_right": 5, "move_left": 3, "grow": 2}
    assert groups.tolist()[:5] == ["move_right_g01"] * 2 + ["move_right_g02"] * 2 + [
        "move_right_g03"]
    again, _ = make_video_classification([5, 3, 2], n_frames=12, frame_size=(16, 24),
                                         clips_per_group=2, random_state=1)
    assert all(np.array_equal(a, b) for a, b in zip(videos, again))
    other, _ = make_video_classification([5, 3, 2], n_frames=12, frame_size=(16, 24),
                                         clips_per_group=2, random_state=2)
    assert not np.array_equal(videos[0], other[0])


def test_synthetic_argument_errors():
    with pytest.raises(ValueError, match="n_classes"):
        make_video_classification(3, n_classes=9)
    with pytest.raises(ValueError, match="at least one video"):
        make_video_classification([3, 0])
    with pytest.raises(ValueError, match="n_frames"):
        make_video_classification(3, n_frames=2)


def test_disaster_profile_spans_40_to_400():
    assert disaster_class_sizes(1.0) == [400, 273, 186, 126, 86, 59, 40]
    assert disaster_class_sizes(0.1) == [40, 27, 19, 13, 9, 6, 4]


def _pooled(videos):
    # 32x32 -> 8x8 by block means, keeping the time axis
    v = np.stack(videos).astype(np.float32)
    n, t = v.shape[:2]
    return v.reshape(n, t, 8, 4, 8, 4, 3).mean(axis=(3, 5))


@pytest.mark.parametrize("pair", TEMPORAL_PAIRS, ids=["-".join(p) for p in TEMPORAL_PAIRS])
def test_temporal_pairs_defeat_order_blind_models(pair):
    videos, y = make_video_classification(40, n_classes=6, n_frames=16, random_state=0)
    keep = np.isin(y, pair)
    x = _pooled([v for v, k in zip(videos, keep) if k])
    y = y[keep]
    clf = LogisticRegression(max_iter=3000)
    order_blind = cross_val_score(clf, x.mean(axis=1).reshape(len(x), -1), y, cv=5).mean()
    order_aware = cross_val_score(clf, x.reshape(len(x), -1), y, cv=5).mean()
    assert order_blind < 0.65  # chance is 0.5 on a pair
    assert order_aware > 0.9


def test_appearance_classes_are_separable_from_one_frame():
    videos, y = make_video_classification(20, n_classes=8, n_frames=8, random_state=0)
    x = _pooled(videos).mean(axis=1).reshape(len(videos), -1)
    # frame-order-blind features still tell the pair families and textures apart
    family = np.array([SYNTHETIC_CLASSES.index(c) // 2 for c in y])
    score = cross_val_score(LogisticRegression(max_iter=3000), x, family, cv=4).mean()
    assert score > 0.75  # 4 families: chance is 0.25


def test_written_videos_load_back_with_groups(tmp_path):
    paths, y = make_video_classification([3, 2], n_frames=6, output_dir=tmp_path,
                                         clips_per_group=2, random_state=0)
    videos, y2, groups = load_video_folder(tmp_path, return_groups=True)
    assert sorted(videos) == sorted(paths)
    assert sorted(y2.tolist()) == sorted(y.tolist())
    assert groups.tolist() == ["g01"] * 4 + ["g02"]  # gY across classes, as UCF101's splits
    _, _, per_class = load_video_folder(tmp_path, return_groups=True, per_class_groups=True)
    assert per_class.tolist() == ["move_left_g01"] * 2 + ["move_right_g01"] * 2 + [
        "move_right_g02"]
    frames = read_video(videos[0])
    assert frames.shape == (6, 32, 32, 3)


def _ucf_layout(root, split_dir):
    classes = {"ApplyEyeMakeup": 1, "Archery": 2}
    for name in classes:
        (root / name).mkdir(parents=True)
        for g in (1, 2):
            for c in (1, 2):
                (root / name / f"v_{name}_g{g:02d}_c{c:02d}.avi").write_bytes(b"x")
    split_dir.mkdir()
    (split_dir / "classInd.txt").write_text("1 ApplyEyeMakeup\n2 Archery\n")
    train = [f"{n}/v_{n}_g02_c{c:02d}.avi {i}" for n, i in classes.items() for c in (1, 2)]
    test = [f"{n}/v_{n}_g01_c{c:02d}.avi" for n in classes for c in (1, 2)]
    (split_dir / "trainlist01.txt").write_text("\n".join(train) + "\n")
    (split_dir / "testlist01.txt").write_text("\n".join(test) + "\n")


def test_ucf101_split_files_are_honoured(tmp_path):
    root, split_dir = tmp_path / "UCF101", tmp_path / "ucfTrainTestlist"
    _ucf_layout(root, split_dir)
    train, y_train, g_train = load_video_folder(root, split_dir=split_dir, subset="train",
                                                return_groups=True)
    test, y_test, g_test = load_video_folder(root, split_dir=split_dir, subset="test",
                                             return_groups=True)
    assert len(train) == len(test) == 4
    # the official split keeps a group number on one side across every class
    assert set(g_train) == {"g02"} and set(g_test) == {"g01"}
    assert not set(train) & set(test)
    assert y_train.tolist() == ["ApplyEyeMakeup"] * 2 + ["Archery"] * 2
    all_videos, _ = load_video_folder(root)
    assert len(all_videos) == 8


def test_split_file_errors_name_file_and_line(tmp_path):
    root, split_dir = tmp_path / "UCF101", tmp_path / "splits"
    _ucf_layout(root, split_dir)
    with open(split_dir / "testlist01.txt", "a") as f:
        f.write("Bowling/v_Bowling_g01_c01.avi\n")
    with pytest.raises(ValueError, match=r"testlist01.txt' line 5: class folder 'Bowling'"):
        load_video_folder(root, split_dir=split_dir, subset="test")
    (split_dir / "trainlist02.txt").write_text("Archery/v_Archery_g09_c01.avi 2\n")
    with pytest.raises(FileNotFoundError, match="trainlist02.txt' line 1 lists"):
        load_video_folder(root, split_dir=split_dir, split=2)
    with pytest.raises(FileNotFoundError, match="testlist03.txt"):
        load_video_folder(root, split_dir=split_dir, split=3, subset="test")


def test_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        load_video_folder(tmp_path / "missing")
    with pytest.raises(ValueError, match="No class folders"):
        load_video_folder(tmp_path)
    (tmp_path / "walk").mkdir()
    (tmp_path / "walk" / "readme.txt").write_text("no videos here")
    with pytest.raises(ValueError, match="No video files"):
        load_video_folder(tmp_path)
    with pytest.raises(ValueError, match="subset"):
        load_video_folder(tmp_path, subset="val")


def test_class_folder_without_videos_is_reported_not_dropped(tmp_path):
    make_video_classification([2, 2], n_frames=4, output_dir=tmp_path, random_state=0)
    (tmp_path / "jump").mkdir()
    (tmp_path / "jump" / "clip.flv").write_bytes(b"x")
    with pytest.warns(UserWarning, match=r"left out: \['jump'\]. 1 file"):
        videos, y = load_video_folder(tmp_path)
    assert sorted(set(y.tolist())) == ["move_left", "move_right"]
    videos, y = load_video_folder(tmp_path, extensions=(".avi", ".flv"))
    assert "jump" in set(y.tolist())


def test_group_parsing():
    assert parse_ucf101_group("x/v_Biking_g03_c04.avi") == "g03"
    assert parse_ucf101_group("x/v_Biking_g3_c04.avi") == "g03"
    assert parse_ucf101_group("x/v_Biking_g03_c04.avi", per_class=True) == "Biking_g03"
    assert parse_ucf101_group("x/v_Apply_Eye_Makeup_g12_c01.avi", per_class=True) == (
        "Apply_Eye_Makeup_g12")
    assert parse_ucf101_group("x/clip_001.mp4") is None


def _one_source_per_group_across_classes(root, n_sources=6, classes=("cut", "pan", "zoom"),
                                         clips=2):
    """Each source video (gY) gives clips of every class: events cut from long footage."""
    for label in classes:
        (root / label).mkdir(parents=True)
        for g in range(1, n_sources + 1):
            for c in range(1, clips + 1):
                (root / label / f"v_{label}_g{g:02d}_c{c:02d}.avi").write_bytes(b"x")


@pytest.mark.parametrize("n_splits", [2, 3])
def test_a_group_aware_split_never_puts_one_source_on_both_sides(tmp_path, n_splits):
    from sklearn.model_selection import StratifiedGroupKFold

    _one_source_per_group_across_classes(tmp_path)
    videos, y, groups = load_video_folder(tmp_path, return_groups=True)
    assert sorted(set(groups.tolist())) == [f"g{g:02d}" for g in range(1, 7)]
    assert len(videos) == 36
    cv = StratifiedGroupKFold(n_splits, shuffle=True, random_state=0)
    for train, test in cv.split(videos, y, groups):
        assert not set(groups[train]) & set(groups[test])
        assert set(y[test]) == {"cut", "pan", "zoom"}  # every class still tested
    # per-class groups put one source on both sides: the leak the default prevents
    _, _, per_class = load_video_folder(tmp_path, return_groups=True, per_class_groups=True)
    source = np.array([g.rsplit("_", 1)[1] for g in per_class])
    leaks = [set(source[tr]) & set(source[te]) for tr, te in
             cv.split(videos, y, per_class)]
    assert any(leaks)


def test_make_imbalanced_follows_the_protocol():
    y = np.repeat(np.array(["a", "b", "c", "d"]), [100, 50, 30, 5])
    drawn = {label: [] for label in "abcd"}
    for seed in range(200):
        idx = make_imbalanced(y, min_count=10, random_state=seed)
        assert len(np.unique(idx)) == len(idx)
        for label, count in zip(*np.unique(y[idx], return_counts=True)):
            drawn[label].append(count)
    assert min(drawn["a"]) >= 10 and max(drawn["a"]) <= 100
    assert 45 < np.mean(drawn["a"]) < 65  # uniform on [10, 100]: mean 55
    assert set(drawn["d"]) == {5}  # smaller than min_count: kept whole
    idx = make_imbalanced(y, random_state=0)
    assert (idx == make_imbalanced(y, random_state=0)).all()


def test_argument_types_and_ranges_are_validated(tmp_path):
    from sklearn.utils._param_validation import InvalidParameterError

    with pytest.raises(InvalidParameterError, match="'split' parameter of load_video_folder"):
        load_video_folder(tmp_path, split_dir=tmp_path, split=4)
    with pytest.raises(InvalidParameterError, match="'min_count' parameter of make_imbalanced"):
        make_imbalanced(["a", "b"], min_count=0)
    with pytest.raises(InvalidParameterError, match="'n_classes' parameter of disaster_class"):
        disaster_class_sizes(1.0, n_classes=9)
