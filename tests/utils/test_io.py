"""Atomic writes: complete or absent, with the permissions the umask gives."""

import os
import stat

import pytest

from skvideo_clf.utils import atomic_open, atomic_path, atomic_write_text


@pytest.mark.parametrize("umask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_written_files_honour_the_umask(tmp_path, umask, expected):
    # A cache shared between users or dask workers must be readable by them (tempfile alone
    # creates 0600 files whatever the umask).
    old = os.umask(umask)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        with atomic_open(tmp_path / "b.bin") as f:
            f.write(b"x")
    finally:
        os.umask(old)
    for name in ("a.txt", "b.bin"):
        assert stat.S_IMODE(os.stat(tmp_path / name).st_mode) == expected


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.skvc"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt), atomic_open(target, "w") as f:
        f.write("half")
        raise KeyboardInterrupt
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skvc"]


def test_atomic_path_keeps_the_extension_writers_read(tmp_path):
    with atomic_path(tmp_path / "clip.avi") as tmp:
        assert tmp.endswith(".avi") and os.path.dirname(tmp) == str(tmp_path)
        open(tmp, "w").write("frames")
    assert (tmp_path / "clip.avi").read_text() == "frames"
