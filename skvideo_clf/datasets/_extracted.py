"""Read back the frame features that ``skvideo-clf extract`` saved."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from ..utils import object_array

__all__ = ["load_extracted"]


def load_extracted(out):
    """Read what ``skvideo-clf extract`` wrote: ``(features, y, groups, videos)``.

    Parameters
    ----------
    out : str or path-like
        The OUT folder of ``skvideo-clf extract``: ``index.csv`` plus one
        ``<class>/<video>.npz`` per video.

    Returns
    -------
    features : ndarray of shape (n_videos, T, D), float32, or object array of (T_i, D) arrays
        Stacked when every video has the same number of frames.
    y : ndarray of str, shape (n_videos,)
        Class labels.
    groups : ndarray of str, shape (n_videos,)
        UCF101-style groups (for grouped cross-validation).
    videos : list of str
        The source video paths, in the order of the rows.

    Raises
    ------
    FileNotFoundError
        ``out`` holds no ``index.csv`` (the message says whether an ``extract`` was started
        there and did not finish), or a features file it lists is missing (all are named).

    Examples
    --------
    >>> import csv, os, tempfile
    >>> import numpy as np
    >>> from skvideo_clf.datasets import load_extracted
    >>> out = tempfile.mkdtemp()
    >>> np.savez(os.path.join(out, "a.npz"), features=np.zeros((4, 2048), np.float32))
    >>> with open(os.path.join(out, "index.csv"), "w", newline="") as f:
    ...     csv.writer(f).writerows([["video", "label", "group", "features"],
    ...                              ["a.avi", "run", "g01", "a.npz"]])
    >>> features, y, groups, videos = load_extracted(out)
    >>> features.shape, y.tolist(), groups.tolist(), videos
    ((1, 4, 2048), ['run'], ['g01'], ['a.avi'])
    """
    out = Path(out)
    index = out / "index.csv"
    if not index.is_file():
        done = list(out.rglob("*.npz")) if out.is_dir() else []
        if done or (out / "extract.json").is_file():
            # extract writes index.csv last, once every video is saved
            raise FileNotFoundError(
                f"{str(out)!r}: `skvideo-clf extract` did not finish there ({len(done)} "
                f"video{'s' if len(done) != 1 else ''} saved, no index.csv yet). Run the same "
                "extract command again: it skips what is saved and names any video it "
                "cannot read.")
        raise FileNotFoundError(f"{str(index)!r} not found: run `skvideo-clf extract` first.")
    with open(index, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    missing = [row["features"] for row in rows if not (out / row["features"]).is_file()]
    if missing:
        shown = ", ".join(missing[:10]) + (", ..." if len(missing) > 10 else "")
        raise FileNotFoundError(
            f"{str(out)!r}: {len(missing)} of {len(rows)} features files listed in index.csv "
            f"are missing ({shown}); run the same `skvideo-clf extract` command again to "
            "recompute them.")
    seqs = []
    for row in rows:
        with np.load(out / row["features"]) as z:
            seqs.append(z["features"])
    if len({s.shape for s in seqs}) == 1:
        features = np.stack(seqs)
    else:
        features = object_array(seqs)
    return (features, np.asarray([r["label"] for r in rows]),
            np.asarray([r["group"] for r in rows]), [r["video"] for r in rows])
