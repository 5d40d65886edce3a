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

#: Frames per item a worker hands over, at most, and bytes per item, at most (at 299 px,
#: 31 frames: fewer, larger items cost less per frame to hand over, measured by
#: ``benchmarks/featurize.py --decode-pool``; the byte bound keeps a worker's buffers
#: (:data:`N_BUFFERS` items) to 48 MiB whatever the frame size).
CHUNK = 32
CHUNK_BYTES = 8 << 20


def chunk_frames(frame_shape, itemsize=1):
    """Frames per item for frames of ``frame_shape``.

    Examples
    --------
    >>> from skvideo_clf.features._decode_loader import chunk_frames
    >>> chunk_frames((299, 299, 3)), chunk_frames((64, 64, 3)), chunk_frames((2160, 3840, 3))
    (31, 32, 1)
    """
    n = itemsize
    for side in frame_shape:
        n *= int(side)
    return max(1, min(CHUNK, CHUNK_BYTES // max(n, 1)))

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
    """Decode jobs taken from a queue, as ``(kind, j, payload, uint8 tensor)`` items.

    Every worker iterates over the same queue, so a free worker takes the next job (a
    fixed share per worker would leave workers idle behind a long video); a worker's
    iteration (its epoch) ends at the first ``None`` it takes. Items:
    ``("frames", j, (first k, buffer), (n, h, w, 3) uint8 tensor)`` of at most
    :func:`chunk_frames` frames, then ``("done", j, None, None)``, or ``("error", j, message,
    None)`` for a video that cannot be read (named in the message). A chunk's tensor is
    one of the worker's :class:`ChunkBuffers` in shared memory, written by the worker
    until the consumer gives ``buffer`` back.

    Parameters
    ----------
    todo : multiprocessing.Queue
        ``(j, job, size, read_options)``: ``size`` (int, callable or None) as
        :class:`~skvideo_clf.features._decode_pool.DecodePool`'s, ``read_options`` passed
        to :meth:`skvideo_clf.video.Clip.read`. One ``None`` per worker ends an epoch.
    lifelines : list of multiprocessing.connection.Connection
        One per worker: the read end of a pipe whose write end only the consumer holds
        (see :func:`watch`).
    returned : list of multiprocessing.SimpleQueue
        One per worker: the buffers the consumer is done with.
    """

    def __init__(self, todo, lifelines, returned):
        self.todo = todo
        self.lifelines = lifelines
        self.returned = returned

    def __iter__(self):
        worker = get_worker_info().id
        buffers = _worker_buffers(self.returned[worker], worker)
        try:
            for j, job, size, read_options in iter(self.todo.get, None):
                if size is None:
                    transform = None
                elif callable(size):
                    transform = size
                else:
                    transform = functools.partial(resize, size=size)
                # the decoder's own threads too (FFmpeg's default is one per core)
                yield from _decode(j, job, transform, {"threads": 1, **read_options},
                                   buffers)
        except StopDecoding:  # the consumer stopped early: end the epoch, torch stops us
            return


class StopDecoding(Exception):
    """The consumer stopped (``None`` among the buffers given back) while a worker
    waited for a buffer."""


#: Chunk buffers of a worker: the items the DataLoader lets it have ahead
#: (:data:`PREFETCH`), the one it fills and one the consumer is copying.
N_BUFFERS = PREFETCH + 2


class ChunkBuffers:
    """A worker's chunk buffers in shared memory, written again once given back.

    Handing a chunk over in a new block of shared memory (what the ``DataLoader`` does
    with a tensor in private memory) costs a copy and a page fault per page, about a
    tenth of a worker's time (``benchmarks/featurize.py --decode-pool``); a buffer used
    again costs neither, and the consumer's own mapping of it is kept.

    Parameters
    ----------
    returned : multiprocessing.SimpleQueue
        ``(generation, index)`` of the buffers the consumer is done with; ``None`` when
        it stops (:class:`StopDecoding` for a worker waiting for a buffer).
    worker : int
        This worker's id, part of each buffer's tag (the consumer gives a buffer back to
        the queue of the worker that sent it).
    """

    def __init__(self, returned, worker):
        self.returned, self.worker = returned, worker
        self.kind, self.generation = None, 0
        self.buffers, self.free = [], []

    def take(self, shape, dtype):
        """``(tag, tensor)``: a free ``(chunk_frames(shape), *shape)`` buffer and its ``(worker,
        generation, index)`` tag; waits for one to come back when all are out."""
        if (shape, dtype) != self.kind:  # another frame size: new buffers
            self.kind, self.generation = (shape, dtype), self.generation + 1
            self.buffers, self.free = [], []
        while True:
            self._collect(block=False)
            if self.free:
                index = self.free.pop()
                return (self.worker, self.generation, index), self.buffers[index]
            if len(self.buffers) < N_BUFFERS:
                size = (chunk_frames(shape, dtype.itemsize), *shape)
                self.buffers.append(torch.empty(size, dtype=dtype).share_memory_())
                return (self.worker, self.generation, len(self.buffers) - 1), self.buffers[-1]
            self._collect(block=True)

    def _collect(self, block):
        """Take in the buffers given back (``block``: wait for one first)."""
        while block or not self.returned.empty():  # one reader: not empty, get returns
            item = self.returned.get()
            if item is None:
                raise StopDecoding
            generation, index = item
            if generation == self.generation:  # earlier sizes' buffers are gone
                self.free.append(index)
            block = False


@functools.lru_cache(maxsize=1)
def _worker_buffers(returned, worker):
    # one set per worker process, kept across its epochs (the DataLoader's persistent
    # workers call __iter__ once per run)
    return ChunkBuffers(returned, worker)


def _decode(j, job, transform, options, buffers):
    """Job ``j``'s items (see :class:`DecodeJobs`)."""
    chunk = view = tag = None  # the buffer being filled: tensor, array view, tag
    n = k0 = 0
    try:
        for frame in job.clip().read(**options):
            frame = frame if transform is None else transform(frame)
            if view is not None and (n == len(view) or view.shape[1:] != frame.shape
                                     or view.dtype != frame.dtype):
                yield ("frames", j, (k0, tag), chunk[:n])
                view, k0 = None, k0 + n
            if view is None:
                dtype = torch.from_numpy(np.empty(0, frame.dtype)).dtype
                tag, chunk = buffers.take(frame.shape, dtype)
                view, n = chunk.numpy(), 0
            view[n] = frame
            n += 1
        if view is not None:
            yield ("frames", j, (k0, tag), chunk[:n])
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
