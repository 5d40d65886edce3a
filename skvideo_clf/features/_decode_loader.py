"""The decode pool's workers: a torch ``IterableDataset`` of decode jobs and its ``DataLoader``.

Kept apart from :mod:`._decode_pool` because it imports torch (about 1 s), which importing
:mod:`skvideo_clf.features` does not otherwise pay; :class:`~._decode_pool.DecodePool`
imports it when a pool runs.
"""

from __future__ import annotations

import functools
import multiprocessing.util
import os
import shutil
import threading

import cv2
import numpy as np
import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..video import VideoReadError

#: Frames per item a worker hands over.
CHUNK = 16

#: Items each worker may have decoded ahead of the consumer.
PREFETCH = 4


def resize(frame, size):
    """``frame`` resized to ``size x size`` with the featurizers' own interpolation."""
    h, w = frame.shape[:2]
    if (h, w) == (size, size):
        return frame
    # the same interpolation as the featurizers' own resize, so features do not change
    interp = cv2.INTER_AREA if (h > size and w > size) else cv2.INTER_LINEAR
    return cv2.resize(frame, (size, size), interpolation=interp)


class DecodeJobs(IterableDataset):
    """Decode jobs taken from a queue, as ``(kind, j, k0 or message, uint8 tensor)`` items.

    Every worker iterates over the same queue, so a free worker takes the next job (a
    fixed share per worker would leave workers idle behind a long video); a worker's
    iteration (its epoch) ends at the first ``None`` it takes. Items:
    ``("frames", j, first k, (n, h, w, 3) uint8 tensor)`` of at most :data:`CHUNK` frames,
    then ``("done", j, None, None)``, or ``("error", j, message, None)`` for a video that
    cannot be read (named in the message).

    Parameters
    ----------
    todo : multiprocessing.Queue
        ``(j, job, size, read_options)``: ``size`` (int, callable or None) as
        :class:`~skvideo_clf.features._decode_pool.DecodePool`'s, ``read_options`` passed
        to :meth:`skvideo_clf.video.Clip.read`. One ``None`` per worker ends an epoch.
    lifelines : list of multiprocessing.connection.Connection
        One per worker: the read end of a pipe whose write end only the consumer holds
        (see :func:`watch`).
    """

    def __init__(self, todo, lifelines):
        self.todo = todo
        self.lifelines = lifelines

    def __iter__(self):
        for j, job, size, read_options in iter(self.todo.get, None):
            if size is None:
                transform = None
            elif callable(size):
                transform = size
            else:
                transform = functools.partial(resize, size=size)
            # the decoder's own threads too (FFmpeg's default is one per core)
            yield from _decode(j, job, transform, {"threads": 1, **read_options})


def _decode(j, job, transform, options):
    """Job ``j``'s items (see :class:`DecodeJobs`)."""
    frames, k0 = [], 0
    try:
        for frame in job.clip().read(**options):
            frames.append(frame if transform is None else transform(frame))
            if len(frames) == CHUNK:
                yield ("frames", j, k0, torch.from_numpy(np.stack(frames)))
                k0, frames = k0 + CHUNK, []
        if frames:
            yield ("frames", j, k0, torch.from_numpy(np.stack(frames)))
        yield ("done", j, None, None)
    except (VideoReadError, OSError, cv2.error) as exc:
        yield ("error", j, str(exc) if job.name in str(exc) else f"{job.name}: {exc}", None)


def watch(lifeline):
    """Exit this process as soon as its consumer dies.

    The consumer holds the only write end of the pipe and sends one message on it when
    it ends a run normally; the end of the pipe without that message means it died (a
    SIGKILL, an out-of-memory kill): nothing else would end this worker, whose parent is
    the fork server (torch's watchdog watches the parent) and whose queues it holds both
    ends of.
    """
    try:
        lifeline.recv_bytes()
    except (EOFError, OSError):
        # _exit skips the clean-up at exit: remove this process's temporary folder (where
        # torch's sharing listens for the consumer) as it would
        shutil.rmtree(multiprocessing.util.get_temp_dir(), ignore_errors=True)
        os._exit(0)  # nobody is left to report to


def start_worker(worker_id):
    """A worker's set-up: one OpenCV thread (the pool scales by workers) and the watch."""
    cv2.setNumThreads(1)
    lifeline = get_worker_info().dataset.lifelines[worker_id]
    threading.Thread(target=watch, args=(lifeline,), daemon=True,
                     name="skvc-lifeline").start()


def as_is(item):
    """The collate function: items are made whole in the workers."""
    return item


def decode_loader(dataset, n_workers, context, pin_memory=False, persistent=False):
    """The ``DataLoader`` running ``dataset`` in ``n_workers`` processes of ``context``
    (``persistent``: kept between epochs).

    Items come out as they are ready (``in_order=False``, where torch has it): a worker
    held up by a large frame does not hold up the others.
    """
    options = dict(batch_size=None, num_workers=n_workers, collate_fn=as_is,
                   worker_init_fn=start_worker, multiprocessing_context=context,
                   prefetch_factor=PREFETCH, pin_memory=pin_memory,
                   persistent_workers=persistent)
    try:
        return DataLoader(dataset, in_order=False, **options)
    except TypeError:  # torch < 2.6: in order, items interleave worker by worker
        return DataLoader(dataset, **options)
