"""Class-per-folder video datasets (UCF101, HMDB51 layout) and UCF101 split files."""

from __future__ import annotations

import os
import re
import warnings
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.utils import check_random_state

from ..utils.compat.sklearn import Interval, Options, StrOptions, validate_params
from ..video import VIDEO_EXTENSIONS

__all__ = ["load_video_folder", "make_imbalanced", "parse_ucf101_group"]

_UCF_NAME = re.compile(r"^v_(?P<cls>.+)_g(?P<group>\d+)_c(?P<clip>\d+)$")


@validate_params({"path": [str, os.PathLike], "per_class": ["boolean"]},
                 prefer_skip_nested_validation=True)
def parse_ucf101_group(path, *, per_class=False) -> str | None:
    """The group of a UCF101-style file name ``v_X_gY_cZ``: ``"gY"``, else None.

    UCF101 cuts each of its 25 groups' source footage into clips (same actors, same
    background), and its official splits keep a group number together *across classes*:
    split 1 tests groups 1-7 of every class. So the group is ``"gY"`` whatever the class:
    when one source video gives clips of several classes (a long recording cut into
    labelled events), those clips share a group and a group-aware split keeps them on one
    side; otherwise a model can learn the source instead of the class.

    Parameters
    ----------
    path : str or path-like
        A video path; only the file name (without extension) is parsed.
    per_class : bool, default=False
        ``"X_gY"`` instead: one group per class and group number, for data whose group
        numbers restart in every class and name unrelated sources (then group 1 of one
        class may be tested while group 1 of another class is trained on).

    Returns
    -------
    group : str or None
        ``"g<NN>"`` (``"<class>_g<NN>"`` with ``per_class=True``; the number zero-padded to
        two digits), or ``None`` when the name is not UCF101-style.

    Examples
    --------
    >>> from skvideo_clf.datasets import parse_ucf101_group
    >>> parse_ucf101_group("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi")
    'g08'
    >>> parse_ucf101_group("ApplyEyeMakeup/v_ApplyEyeMakeup_g08_c01.avi", per_class=True)
    'ApplyEyeMakeup_g08'
    """
    m = _UCF_NAME.match(Path(path).stem)
    if m is None:
        return None
    group = f"g{int(m['group']):02d}"
    return f"{m['cls']}_{group}" if per_class else group


def _read_lines(path):
    if not path.is_file():
        raise FileNotFoundError(f"Split file not found: {str(path)!r}")
    with open(path, encoding="utf-8") as f:
        return [(n, line.strip()) for n, line in enumerate(f, 1) if line.strip()]


def _split_entries(split_dir: Path, split: int, subset: str, root: Path, classes):
    name = f"{subset}list{split:02d}.txt"
    split_file = split_dir / name
    entries = []
    for lineno, line in _read_lines(split_file):
        rel = line.split()[0].replace("\\", "/")
        label = rel.split("/")[0]
        if label not in classes:
            raise ValueError(
                f"{str(split_file)!r} line {lineno}: class folder {label!r} of {rel!r} is not "
                f"among the {len(classes)} classes found under {str(root)!r} (or in "
                "classInd.txt)."
            )
        path = root / rel
        if not path.is_file():
            raise FileNotFoundError(
                f"{str(split_file)!r} line {lineno} lists {rel!r}, but {str(path)!r} does not "
                "exist. Check that root points at the folder holding the class folders."
            )
        entries.append((str(path), label))
    if not entries:
        raise ValueError(f"Split file {str(split_file)!r} lists no videos.")
    return entries


def _refuse_second_paths(entries):
    """Refuse a video file reached by two paths (a class folder that is a symbolic link
    to the data root or to another class, a linked file): it would count twice, perhaps
    under two labels. Paths are compared resolved (links followed; hard links too)."""
    seen = {}
    for path, label in entries:
        try:
            st = os.stat(path)
            key = (st.st_dev, st.st_ino)
        except OSError:
            key = os.path.realpath(path)
        first = seen.setdefault(key, (path, label))
        if first[0] != path:
            raise ValueError(
                f"{path!r} (class {label!r}) and {first[0]!r} (class {first[1]!r}) are the "
                f"same file, {os.path.realpath(path)!r}: a symbolic link (a class folder "
                "linked to the data root or to another class, or a linked video) would "
                "count it twice. Remove the link, or copy the file if it truly belongs "
                "to both.")


@validate_params(
    {
        "root": [str, os.PathLike],
        "split_dir": [str, os.PathLike, None],
        "split": [Options(Integral, {1, 2, 3})],
        "subset": [StrOptions({"train", "test"})],
        "extensions": ["array-like", None],
        "return_groups": ["boolean"],
        "per_class_groups": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def load_video_folder(root, *, split_dir=None, split=1, subset="train", extensions=None,
                      return_groups=False, per_class_groups=False):
    """Video paths and labels from a class-per-folder dataset.

    ``root/<class>/<video>`` is the layout of UCF101 and HMDB51. With ``split_dir``, the
    official UCF101 split files are honoured: ``classInd.txt`` (class order, optional),
    ``trainlist0N.txt`` and ``testlist0N.txt``.

    Parameters
    ----------
    root : str or path-like
        Folder holding one sub-folder per class.
    split_dir : str or path-like, default=None
        Folder with the UCF101 split files (``ucfTrainTestlist``). ``None`` loads every
        video found under ``root``.
    split : {1, 2, 3}, default=1
        Which official split (the UCF101 thesis reports on split 1; the hybrid deep learning
        framework on the mean of the 3).
    subset : {"train", "test"}, default="train"
        Which side of the split.
    extensions : tuple of str, default=None
        File extensions treated as videos; defaults to
        :data:`skvideo_clf.video.VIDEO_EXTENSIONS`.
    return_groups : bool, default=False
        Also return groups for group-aware cross-validation: ``"gY"`` parsed from
        UCF101-style names ``v_X_gY_cZ``, one group across all classes as UCF101's official
        splits have it (:func:`parse_ucf101_group`), else the video's path relative to
        ``root`` (each video its own group: name the clips ``v_<class>_g<source>_c<n>`` when
        several clips come from one source video).
    per_class_groups : bool, default=False
        Groups ``"X_gY"``, one per class and group number, for data whose group numbers
        restart in every class and name unrelated sources.

    Returns
    -------
    videos : list of str
        Paths, sorted by class then file name (split-file order with ``split_dir``).
    y : ndarray of str
        Class names (folder names).
    groups : ndarray of str
        Only with ``return_groups=True``.

    Raises
    ------
    FileNotFoundError
        ``root`` or a split file does not exist, or a split file lists a missing video.
    ValueError
        No class folder or no video was found, a split file names an unknown class, or
        one video file is reached by two paths (a class folder that is a symbolic link to
        the data root or to another class): each path is named.

    Examples
    --------
    >>> import tempfile
    >>> from skvideo_clf.datasets import make_video_classification, load_video_folder
    >>> root = tempfile.mkdtemp()
    >>> _ = make_video_classification([3, 2], n_frames=4, output_dir=root, random_state=0)
    >>> videos, y, groups = load_video_folder(root, return_groups=True)
    >>> len(videos), sorted(set(y.tolist())), str(groups[0])
    (5, ['move_left', 'move_right'], 'g01')
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"Dataset folder not found: {str(root)!r}")
    if not root.is_dir():
        raise NotADirectoryError(f"{str(root)!r} is a file; give the folder of class folders.")
    exts = tuple(e.lower() for e in (extensions or VIDEO_EXTENSIONS))

    class_dirs = sorted(
        p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
    )
    if split_dir is not None:
        split_dir = Path(split_dir)
        if not split_dir.is_dir():
            raise FileNotFoundError(f"Split folder not found: {str(split_dir)!r}")
        class_ind = split_dir / "classInd.txt"
        classes = set(class_dirs)
        if class_ind.is_file():
            listed = []
            for lineno, line in _read_lines(class_ind):
                parts = line.split()
                if len(parts) != 2:
                    raise ValueError(
                        f"{str(class_ind)!r} line {lineno}: expected '<index> <class>', got "
                        f"{line!r}."
                    )
                listed.append(parts[1])
            classes = set(listed)
        entries = _split_entries(split_dir, split, subset, root, classes)
    else:
        if not class_dirs:
            raise ValueError(
                f"No class folders under {str(root)!r}: expected root/<class>/<video> files."
            )
        entries, empty, skipped = [], [], 0
        for label in class_dirs:
            n_before = len(entries)
            for dirpath, _, files in os.walk(root / label):
                for name in sorted(files):
                    # "._x.avi": macOS AppleDouble metadata copied beside x.avi, no video
                    if name.lower().endswith(exts) and not name.startswith("._"):
                        entries.append((os.path.join(dirpath, name), label))
                    else:
                        skipped += 1
            if len(entries) == n_before:
                empty.append(label)
        if not entries:
            raise ValueError(
                f"No video files ({', '.join(exts)}) found in the class folders under "
                f"{str(root)!r}."
            )
        if empty:  # a class that vanishes without a word would skew every result
            warnings.warn(
                f"{len(empty)} class folder(s) under {str(root)!r} hold no video file "
                f"({', '.join(exts)}) and are left out: {empty}. {skipped} file(s) with other "
                "extensions were skipped; pass extensions=... to include them.",
                UserWarning, stacklevel=2,
            )
    _refuse_second_paths(entries)
    videos = [p for p, _ in entries]
    y = np.asarray([label for _, label in entries])
    if not return_groups:
        return videos, y
    groups = np.asarray([
        parse_ucf101_group(p, per_class=per_class_groups)
        or os.path.relpath(p, root).replace(os.sep, "/") for p in videos
    ])
    return videos, y, groups


@validate_params(
    {
        "y": ["array-like"],
        "min_count": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_imbalanced(y, min_count=10, random_state=None):
    """Indices of an imbalanced subset, by the CNN-ResBiLSTM paper's imbalanced-UCF101 protocol.

    For each class a count is drawn uniformly between ``min_count`` and the class size
    (both included), and that many of its videos are kept, chosen at random. A class
    smaller than ``min_count`` is kept whole.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Labels.
    min_count : int, default=10
        Smallest count that can be drawn (the CNN-ResBiLSTM paper uses 10).
    random_state : int, RandomState instance or None, default=None
        Draws the counts and the kept videos.

    Returns
    -------
    indices : ndarray of int
        Sorted positions into ``y`` of the kept samples.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.datasets import make_imbalanced
    >>> y = np.repeat(["a", "b", "c"], 100)
    >>> idx = make_imbalanced(y, min_count=10, random_state=0)
    >>> counts = np.unique(y[idx], return_counts=True)[1]
    >>> bool(((counts >= 10) & (counts <= 100)).all())
    True
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.size == 0:
        raise ValueError(f"y must be a non-empty 1-D array of labels, got shape {y.shape}.")
    rng = check_random_state(random_state)
    keep = []
    for label in np.unique(y):
        members = np.flatnonzero(y == label)
        n = len(members)
        count = n if n <= min_count else rng.randint(min_count, n + 1)
        keep.append(rng.choice(members, size=count, replace=False))
    return np.sort(np.concatenate(keep))
