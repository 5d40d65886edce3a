"""A decode pool: worker processes decode (and resize) frames for the one network process.

A network on an accelerator eats thousands of frames per second; one decode thread feeds
it ~100 (240p) or ~15 (720p at 1 FPS). Here ``n_decoders`` worker processes of a torch
:class:`~torch.utils.data.DataLoader` decode the videos, each with a one-thread decoder
taking the next video as soon as it is free, optionally resize to the network's input
size, and hand the frames over as **uint8 tensors in shared memory** (torch's own
sharing: a file descriptor crosses, never pickled pixels, and the block's name is
removed as soon as it is made, so none is left in ``/dev/shm`` by a killed process);
float conversion and normalisation stay with the network's owner (on the device). The
network is built once, in the calling process.

A worker exits as soon as its consumer dies (even by SIGKILL): see
:func:`~skvideo_clf.features._decode_loader.watch`.

:func:`thread_budget` splits the cores between decoding and the network so that they do
not fight over them.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.machinery
import multiprocessing as mp
import os
import pickle
import sys
import threading

from ..video import InMemoryVideo, video_info


def thread_budget(n_decoders=1, n_cores=None):
    """Decoder threads per decoder and torch threads, together no more than the cores.

    Parameters
    ----------
    n_decoders : int, default=1
        Decoders running at the same time (a decode thread, or pool workers).
    n_cores : int, default=None
        Cores to share (``os.cpu_count()``, or the process's affinity where known).

    Returns
    -------
    decoder_threads : int
        Threads each decoder may use.
    torch_threads : int
        Threads for the network (``torch.set_num_threads``).

    Examples
    --------
    >>> from skvideo_clf.features._decode_pool import thread_budget
    >>> thread_budget(1, n_cores=2), thread_budget(2, n_cores=16)
    ((1, 1), (4, 8))
    """
    if n_cores is None:
        try:
            n_cores = len(os.sched_getaffinity(0))
        except AttributeError:  # not on Linux
            n_cores = os.cpu_count() or 1
    n_decoders = max(1, int(n_decoders))
    # half of the cores for the network, the other half shared by the decoders, each at least 1
    torch_threads = max(1, n_cores - max(n_decoders, n_cores // 2))
    decoder_threads = max(1, (n_cores - torch_threads) // n_decoders)
    return decoder_threads, torch_threads


class DecodePool:
    """Decode the frames of several jobs in ``n_decoders`` worker processes.

    The workers are those of a torch :class:`~torch.utils.data.DataLoader` over an
    :class:`~torch.utils.data.IterableDataset` of the jobs
    (:class:`~skvideo_clf.features._decode_loader.DecodeJobs`), started from
    multiprocessing's fork server (a fork of a process whose decoder threads hold locks
    can hang). With ``keep_workers`` (the default) they are the ``DataLoader``'s
    persistent workers, started by the first run of a process and kept, idle, for the
    next: each run is one epoch of theirs. At most :data:`MAX_KEPT` sets are kept per
    process (one per number of workers and ``pin_memory``, the least recently used ended
    first); :func:`shutdown_decode_workers` ends them sooner, and they end with the
    process (daemon processes), even a killed one (see
    :func:`~skvideo_clf.features._decode_loader.watch`).

    Parameters
    ----------
    n_decoders : int
        Worker processes; each takes the next job as soon as it is free (videos differ
        in length and resolution: a fixed share would leave workers idle) and decodes it
        with a one-thread decoder.
    size : int, callable or None, default=None
        Resize every frame to ``size x size`` in the workers; a picklable callable maps
        each decoded uint8 frame to the uint8 frame to hand over (a network's resize and
        crop, see ``NetworkFrameTransformer``); ``None``: as decoded. Sent with each job,
        so that kept workers serve every featurizer.
    read_options : dict, default=None
        Passed to :meth:`skvideo_clf.video.Clip.read` (``reader``, ``seek``).
    pin_memory : bool, default=False
        Copy each chunk into page-locked memory (the ``DataLoader``'s ``pin_memory``),
        for a consumer that sends the chunks to a CUDA device as they come.
    keep_workers : bool, default=True
        Keep the workers for the next run of this process (see above); ``False``: start
        workers for this run only. A run that ends early (an error, an interrupt, a
        consumer closing it) never keeps its workers: they may hold its undone jobs.

    Notes
    -----
    Why the ``DataLoader`` (before it, the pool ran its own processes and posted each
    chunk in a named :mod:`multiprocessing.shared_memory` block): in the same run of
    ``benchmarks/featurize.py --decode-pool`` it decodes as many frames per second; the
    blocks' bookkeeping (unlinking, draining after a stop) and the watch for dead workers
    are torch's; and torch's sharing leaves no block behind a killed process. Workers
    are kept because starting them (about 0.25 s from the fork server) is a tenth of a
    run of a few hundred frames, which a cross-validation repeats per fold. Each worker
    writes its chunks into a few buffers of shared memory that it writes again once this
    process has copied them (:class:`~skvideo_clf.features._decode_loader.ChunkBuffers`):
    a new block per chunk cost a copy and a page fault per page in the worker, and the
    two took the pool from 0.82 to 0.90 of bare OpenCV processes at 2 workers on 2 cores
    (median of 3, ``benchmarks/featurize.py --decode-pool``). The network
    featurizers leave ``pin_memory`` off: they gather frames of several chunks into
    their batches, a copy that pinning would only add to.

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features._base import _Job
    >>> from skvideo_clf.features._decode_pool import DecodePool
    >>> from skvideo_clf.video import InMemoryVideo
    >>> video = InMemoryVideo(np.full((4, 8, 8, 3), 7, np.uint8))
    >>> events = list(DecodePool(1).run([_Job(video, None, (0, 3), "v")]))
    >>> [(e[0], e[1], e[2]) for e in events], events[0][3].shape
    ([('frames', 0, 0), ('done', 0, None)], (2, 8, 8, 3))
    """

    def __init__(self, n_decoders, *, size=None, read_options=None, pin_memory=False,
                 keep_workers=True):
        self.n_decoders = n_decoders
        self.size = size
        self.read_options = read_options
        self.pin_memory = pin_memory
        self.keep_workers = keep_workers

    def run(self, jobs):
        """Yield ``("frames", j, first k, uint8 array)``, ``("done", j, None, None)`` and
        ``("error", j, message, None)`` as the workers produce them (in order within a
        job; jobs interleave)."""
        if not jobs:
            return
        n = max(1, int(self.n_decoders))
        # a worker needs the main script only for objects defined there (pickled by
        # reference to "__main__"); otherwise spare it re-running the script (seconds)
        needs_main = _refers_to_main((jobs, self.size, self.read_options))
        if self.keep_workers:
            workers = _kept_workers(n, self.pin_memory, needs_main)
        else:
            workers = None
        if workers is None:  # not kept, or the kept ones busy in another thread
            workers = _Workers(min(n, len(jobs)), self.pin_memory, needs_main)
        ended = False
        try:
            yield from workers.epoch(jobs, self.size, self.read_options or {})
            ended = True
        finally:
            # an epoch that did not end leaves jobs queued and workers decoding: never kept
            if ended and workers.kept:
                workers.lock.release()
            else:
                _end(workers)


#: Sets of workers a process keeps between runs.
MAX_KEPT = 2

_kept = {}  # (n, pin_memory, needs_main) -> _Workers, least recently used first
_kept_lock = threading.Lock()


def _kept_workers(n, pin_memory, needs_main):
    """The kept workers for these settings, locked for one run (started if need be), or
    None when they are busy (a run in another thread, or one left open)."""
    key = (n, bool(pin_memory), needs_main)
    with _kept_lock:
        workers = _kept.pop(key, None)
        if workers is not None:
            _kept[key] = workers  # now the most recently used
            return workers if workers.lock.acquire(blocking=False) else None
        while len(_kept) >= MAX_KEPT:  # make room: end the least recently used idle set
            idle = next((k for k, w in _kept.items() if w.lock.acquire(blocking=False)),
                        None)
            if idle is None:
                return None
            _kept.pop(idle).close()
        workers = _Workers(n, pin_memory, needs_main, kept=True)
        workers.lock.acquire()
        _kept[key] = workers
        return workers


def _end(workers):
    """Stop ``workers`` and forget them."""
    with _kept_lock:
        for key, kept in list(_kept.items()):
            if kept is workers:
                del _kept[key]
    workers.close()


def shutdown_decode_workers():
    """End the decode workers this process keeps between runs (``n_decoders``).

    Featurizers with ``n_decoders`` keep their decode workers, idle, until the process
    ends, so that the next ``transform`` (the next fold of a cross-validation) does not
    start them again. This ends them sooner (to free their memory, for example); a run
    in progress keeps its own until it ends.

    Examples
    --------
    >>> from skvideo_clf.features import shutdown_decode_workers
    >>> shutdown_decode_workers()
    """
    with _kept_lock:
        idle = [key for key, w in _kept.items() if w.lock.acquire(blocking=False)]
        ended = [_kept.pop(key) for key in idle]
    for workers in ended:
        workers.close()


class _Workers:
    """``n`` decode processes of one ``DataLoader``; each run is one epoch of theirs."""

    def __init__(self, n, pin_memory, needs_main, kept=False):
        # torch: about 1 s at import, which importing the featurizers does not pay otherwise
        from ._decode_loader import DecodeJobs, decode_loader

        self.n, self.kept, self.needs_main = n, kept, needs_main
        self.lock = threading.Lock()
        ctx = _context()
        self.todo = ctx.Queue()
        # jobs never taken stay in the queue's buffer: exiting (even with a run never
        # closed) does not wait to send them
        self.todo.cancel_join_thread()
        # one pipe per worker, of which this process holds the only write end
        self.lifelines, self.held = zip(*(ctx.Pipe(duplex=False) for _ in range(n)))
        # one queue per worker of the chunk buffers given back (simple: written by this
        # thread, no feeder thread, which could not start while the interpreter exits),
        # and the buffers received (held: torch maps a buffer received again only while
        # its last mapping lives)
        self.returned = [ctx.SimpleQueue() for _ in range(n)]
        self.mapped = {}
        self.pin_memory = pin_memory
        self.loader = decode_loader(DecodeJobs(self.todo, self.lifelines, self.returned),
                                    n, ctx, pin_memory=pin_memory, persistent=kept)
        self.started = False

    def epoch(self, jobs, size, read_options):
        """One run's events (see :meth:`DecodePool.run`)."""
        # longest first: a long video taken last would leave the other workers idle
        for j in sorted(range(len(jobs)), key=lambda j: -_decode_cost(jobs[j])):
            self.todo.put((j, jobs[j], size, read_options))
        for _ in range(self.n):  # each worker ends its epoch on one
            self.todo.put(None)
        if not self.started:
            with contextlib.nullcontext() if self.needs_main else _main_script_not_rerun():
                items = iter(self.loader)  # starts the workers, which hold the read ends now
            for lifeline in self.lifelines:
                lifeline.close()
            self.started = True
        else:
            items = iter(self.loader)  # the persistent workers' next epoch
        try:
            for kind, j, payload, frames in items:
                if kind != "frames":
                    yield kind, j, payload, None
                    continue
                k0, (worker, generation, index) = payload
                # the worker writes the buffer again once given back: a copy (pinned
                # memory is one already) for the consumer, which may hold frames a while
                if self.pin_memory:
                    array = frames.numpy()
                else:
                    array = frames.numpy().copy()
                    self.mapped[worker, index] = frames
                self.returned[worker].put((generation, index))
                yield kind, j, k0, array
        except (ConnectionError, EOFError) as exc:  # torch reports a death otherwise
            raise RuntimeError("a decode worker died while handing frames over "
                               "(killed, out of memory?)") from exc
        finally:
            del items  # not kept alive by a traceback: its end stops unkept workers

    def close(self):
        """Stop the workers: after a normal end, an error, an interrupt or ``close()``."""
        if self.loader is None:
            return
        # tell the workers' watches first, then let torch stop the workers (each ends its
        # current chunk)
        for alive in self.held:
            with contextlib.suppress(OSError):  # a worker that is gone already
                alive.send_bytes(b"")
            alive.close()
        for lifeline in self.lifelines:
            lifeline.close()
        for returned in self.returned:  # a worker waiting for a buffer stops waiting
            with contextlib.suppress(OSError):  # a worker that is gone already
                returned.put(None)
        # the loader holds the (persistent) iterator, whose end stops the workers
        self.loader = None
        self.mapped.clear()
        self.todo.close()
        for returned in self.returned:
            returned.close()


def _decode_cost(job):
    """Frames decoded (at most up to the last one requested) x pixels per frame."""
    if not job.indices:
        return 0
    source = job.source
    try:
        if isinstance(source, InMemoryVideo):
            height, width = source.frames.shape[1:3]
        else:
            info = video_info(source)  # known from planning: cached in this process
            height, width = info.height, info.width
    except Exception:  # noqa: BLE001 - an unreadable video: the worker reports it
        return 0
    return (max(job.indices) + 1) * height * width


class _MainFinder:
    """A write-only file that notes whether a pickle names the module ``__main__``."""

    found = False

    def write(self, data):
        # a global's module name travels in pickle's small frames; arrays' pixel data is
        # written in large separate chunks: skipped, nothing is kept
        view = memoryview(data)
        if not self.found and view.nbytes <= 1 << 16:
            self.found = b"__main__" in view.tobytes()
        return view.nbytes


def _refers_to_main(obj):
    """Whether unpickling ``obj`` needs the main script (without holding the pickle)."""
    finder = _MainFinder()
    pickle.dump(obj, finder, protocol=5)
    return finder.found


@contextlib.contextmanager
def _main_script_not_rerun():
    """Start processes without their running the main script again.

    multiprocessing's fork server (and spawn) re-run the parent's main script in every
    worker, so that objects defined there unpickle; a script importing torch pays ~2 s
    per worker per pool (measured), and the fork server's own ``__main__`` preload never
    takes effect before Python 3.14 (it looks for a key the parent does not send). A
    ``__main__`` spec named ``__main__`` is what multiprocessing itself skips (the
    interactive case); the caller checks that nothing pickled refers to the script.
    """
    main = sys.modules.get("__main__")
    if main is None:
        yield
        return
    spec = getattr(main, "__spec__", None)
    main.__spec__ = importlib.machinery.ModuleSpec("__main__", None)
    try:
        yield
    finally:
        main.__spec__ = spec


@functools.lru_cache(maxsize=1)
def _context():
    """The start method of the workers, with this module preloaded in the fork server.

    forkserver, not fork: a fork of this process could inherit locks held by decoder or
    encoder threads (FFmpeg, PyAV) and hang; the server is forked from a clean state.
    Preloading imports the library (and scikit-learn and torch, ~2 s) once per process in
    the server instead of once per worker per run.
    """
    if "forkserver" not in mp.get_all_start_methods():  # Windows
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, __package__ + "._decode_loader"])
    return ctx
