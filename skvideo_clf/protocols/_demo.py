"""The demo's data: synthetic imbalanced videos sized like the disaster set.

``skvideo-clf demo`` is ``skvideo-clf compare --protocol demo``: the ``demo`` protocol file
(``builtin/demo.toml``) holds its rows and sizes, and names this data set
(``dataset = "synthetic-disaster"``).
"""

from __future__ import annotations

__all__ = ["demo_dataset"]


def demo_dataset(config, *, random_state=0):
    """The demo's synthetic videos: 7 classes sized like the disaster set (400 down to 40).

    Parameters
    ----------
    config : dict
        The ``demo`` protocol's settings (``scale``, ``n_frames``, ``frame_size`` are read),
        e.g. ``get_protocol("demo").config("quick")``.
    random_state : int, default=0
        Seed of :func:`~skvideo_clf.datasets.make_video_classification`.

    Returns
    -------
    X : ndarray of object, shape (n_videos,)
        One ``(n_frames, H, W, 3)`` uint8 video per entry.
    y : ndarray of str, shape (n_videos,)
        Class labels.
    sizes : list of int
        Videos per class, largest first.

    Examples
    --------
    >>> from skvideo_clf.protocols import demo_dataset, get_protocol
    >>> X, y, sizes = demo_dataset(get_protocol("demo").config("quick", scale=0.02))
    >>> sizes, X.shape, X[0].shape
    ([8, 5, 4, 3, 2, 2, 2], (26,), (8, 32, 32, 3))
    """
    from ..datasets import disaster_class_sizes, make_video_classification
    from ..utils import object_array

    sizes = disaster_class_sizes(config["scale"])
    videos, y = make_video_classification(sizes, n_frames=config["n_frames"],
                                          frame_size=tuple(config["frame_size"]),
                                          clips_per_group=1, random_state=random_state)
    return object_array(videos), y, sizes
