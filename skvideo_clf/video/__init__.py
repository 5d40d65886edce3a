"""Videos as values: the clip, the streaming OpenCV reader and frame-index strategies.

A *video* reaches the library as a path, an in-memory ``T x H x W x 3`` uint8 array, or a
:class:`Clip` (a source plus the frames to take and an optional augmentation). Nothing in
this package decodes more than the frames that are asked for, and nothing holds a whole
video in memory.

- ``_source``: :class:`InMemoryVideo`, :class:`VideoReadError`, file fingerprints;
- ``_decode``: the streaming, seeking decoders behind one small interface, and the
  container's keyframe index;
- ``_pyav``: the optional PyAV decoder (``reader="pyav"``);
- ``_clip``: :class:`Clip` and the conversions to it;
- ``_counts``: :func:`video_info`, the one store of frame counts (bounded, per process,
  optionally on disk);
- ``_reader``: the public, validated :func:`read_frames` and :func:`keyframe_indices`;
- ``_writer``: :func:`write_video`;
- ``_windows``: :func:`sliding_windows`, a video as :class:`WindowClip` time windows on
  one frame grid;
- ``_indices``: the frame-index strategies behind :func:`sample_frame_indices`.
"""

from ._clip import Clip, as_clip, as_clips, source_fingerprint
from ._counts import (
    COUNT_MODES,
    TRUNCATED_FRACTION,
    VideoInfo,
    count_frames,
    recount_frames,
    video_info,
)
from ._decode import READERS, SEEK_MODES
from ._indices import (
    FRAME_STRATEGIES,
    block_indices,
    fps_indices,
    rand_down_indices,
    rand_down_or_up_sample,
    sample_frame_indices,
    uniform_indices,
    up_sample_indices,
)
from ._reader import VIDEO_EXTENSIONS, keyframe_indices, read_frames, read_video
from ._source import FINGERPRINT_MODES, InMemoryVideo, VideoReadError
from ._windows import LAST_WINDOW, WindowClip, sliding_windows
from ._writer import write_video

__all__ = [
    "COUNT_MODES",
    "FINGERPRINT_MODES",
    "FRAME_STRATEGIES",
    "LAST_WINDOW",
    "READERS",
    "SEEK_MODES",
    "TRUNCATED_FRACTION",
    "VIDEO_EXTENSIONS",
    "Clip",
    "InMemoryVideo",
    "VideoInfo",
    "VideoReadError",
    "WindowClip",
    "as_clip",
    "as_clips",
    "block_indices",
    "count_frames",
    "fps_indices",
    "keyframe_indices",
    "rand_down_indices",
    "rand_down_or_up_sample",
    "read_frames",
    "read_video",
    "recount_frames",
    "sample_frame_indices",
    "sliding_windows",
    "source_fingerprint",
    "uniform_indices",
    "up_sample_indices",
    "video_info",
    "write_video",
]
