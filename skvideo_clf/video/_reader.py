"""Reading videos: the public, validated streaming reader and the keyframe index.

The decoding itself is in ``_decode`` (decoders, seeking, the container's index); frame
counts in ``_counts``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from numbers import Integral

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._clip import _VIDEO, _as_source
from ._decode import READERS, SEEK_MODES, check_reader, packet_index, stream_frames
from ._source import InMemoryVideo, VideoReadError

#: File extensions that :func:`skvideo_clf.datasets.load_video_folder` treats as videos.
VIDEO_EXTENSIONS = (".avi", ".mp4", ".mkv", ".mov", ".webm", ".mpg", ".mpeg", ".m4v", ".wmv")


@validate_params(
    {"video": _VIDEO, "reader": [StrOptions(set(READERS))]},
    prefer_skip_nested_validation=True,
)
def keyframe_indices(video, reader="opencv") -> np.ndarray:
    """Display indices of the frames a seek lands on (keyframes), from the container.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video. Every frame of an in-memory video counts as a keyframe.
    reader : {"opencv", "pyav"}, default="opencv"
        Whose demuxer reads the packets.

    Returns
    -------
    keyframes : ndarray of int
        Ascending; ``[0]`` when the container gives no usable index.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import keyframe_indices
    >>> keyframe_indices(np.zeros((3, 8, 8, 3), np.uint8)).tolist()
    [0, 1, 2]
    """
    source = _as_source(video)
    if isinstance(source, InMemoryVideo):
        return np.arange(len(source))
    check_reader(reader)
    index = packet_index(source, reader)
    return np.zeros(1, np.intp) if index is None else index.keyframes.astype(np.intp)



@validate_params(
    {"video": _VIDEO, "indices": ["array-like", None],
     "reader": [StrOptions(set(READERS))], "seek": [StrOptions(set(SEEK_MODES))],
     "threads": [Interval(Integral, 1, None, closed="left"), None]},
    prefer_skip_nested_validation=True,
)
def read_frames(video, indices: Sequence[int] | None = None, *, reader="opencv",
                seek="auto", threads=None) -> Iterator[np.ndarray]:
    """Stream the requested frames of a video as RGB uint8 ``H x W x 3`` arrays.

    Frames are decoded one at a time and only the requested ones are converted and kept:
    for non-decreasing ``indices`` (the usual case, repeats included) at most one frame is
    held; for unordered indices only the distinct requested frames are.

    **Seeking.** With ``seek="auto"`` the reader jumps (to the keyframe before the target,
    then decodes forward) only when the next requested frame lies beyond the current
    keyframe interval, and decodes forward otherwise: a few frames out of a long video
    cost about one keyframe interval each, dense requests cost no more than one pass.
    After each jump the landed frame's timestamp is compared with the container's
    timestamp of the requested frame; on any disagreement (variable frame rate, broken
    indexes) the file is reopened and read sequentially from there on, so the frames are
    always those of a sequential decode.

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video. A clip's own frame indices are ignored here; use ``Clip.read``.
    indices : sequence of int, default=None
        Frames to yield, in this order. ``None`` yields every frame.
    reader : {"opencv", "pyav"}, default="opencv"
        The decoder. ``"pyav"`` needs the optional ``av`` package (``pip install av``);
        its colour conversion may differ from OpenCV's by a few levels.
    seek : {"auto", "never"}, default="auto"
        ``"never"`` decodes every frame up to the last requested one.
    threads : int, default=None
        Decoder threads (``None``: the decoder's default, usually one per core). Set it
        to share cores with a network (see the user guide's thread budget).

    Returns
    -------
    frames : iterator of ndarray of shape (height, width, 3), dtype uint8
        Lazy: arguments are checked when ``read_frames`` is called, the file is opened
        and decoded as the iterator is consumed.

    Raises
    ------
    ValueError
        A negative frame index.
    FileNotFoundError
        The file does not exist.
    VideoReadError
        The file is not a decodable video, or a requested frame lies beyond the last
        decodable frame (a truncated video); the message names the file.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import read_frames
    >>> video = np.arange(5, dtype=np.uint8)[:, None, None, None] * np.ones((5, 2, 2, 3), np.uint8)
    >>> [int(f[0, 0, 0]) for f in read_frames(video, [4, 0, 0])]
    [4, 0, 0]
    """
    return stream_frames(_as_source(video), indices, reader=reader, seek=seek,
                         threads=threads)




@validate_params(
    {"video": _VIDEO, "indices": ["array-like", None],
     "reader": [StrOptions(set(READERS))], "seek": [StrOptions(set(SEEK_MODES))]},
    prefer_skip_nested_validation=True,
)
def read_video(video, indices=None, *, reader="opencv", seek="auto") -> np.ndarray:
    """All requested frames as one ``(n, H, W, 3)`` uint8 array (for small videos only).

    Parameters
    ----------
    video : str, path-like, array of shape (T, H, W, 3), InMemoryVideo or Clip
        The video.
    indices : sequence of int, default=None
        Frames to read, in this order; ``None`` reads every frame.
    reader, seek : str
        As :func:`read_frames`.

    Returns
    -------
    frames : ndarray of shape (n, height, width, 3), dtype uint8
        ``n`` is ``len(indices)``, or the number of decodable frames.

    Raises
    ------
    VideoReadError
        No frame was read, or as :func:`read_frames`.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.video import read_video
    >>> read_video(np.zeros((5, 8, 8, 3), dtype=np.uint8), [0, 4, 4]).shape
    (3, 8, 8, 3)
    """
    frames = list(read_frames(video, indices, reader=reader, seek=seek))
    if not frames:
        raise VideoReadError(f"{_as_source(video)}: no frames were read.")
    return np.stack(frames)

