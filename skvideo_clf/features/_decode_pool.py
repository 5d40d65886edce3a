"""A decode pool: worker processes decode (and resize) frames for the one network process.

A network on an accelerator eats thousands of frames per second; one decode thread feeds
it ~100 (240p) or ~15 (720p at 1 FPS). Here ``n_decoders`` worker processes decode their
share of the videos, each with a one-thread decoder, optionally resize to the network's
input size, and hand the frames over as **uint8 in shared memory**
(:mod:`multiprocessing.shared_memory`, one block per chunk of frames): nothing is pickled
but a block's name and shape, and float conversion and normalisation stay with the
network's owner (on the device). The network is built once, in the calling process.

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
import queue
import sys
import time
from multiprocessing import resource_tracker, shared_memory

import numpy as np

#: Frames per shared-memory block.
_CHUNK = 16


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


def _resize(frame, size):
    import cv2

    h, w = frame.shape[:2]
    if (h, w) == (size, size):
        return frame
    # the same interpolation as the featurizers' own resize, so features do not change
    interp = cv2.INTER_AREA if (h > size and w > size) else cv2.INTER_LINEAR
    return cv2.resize(frame, (size, size), interpolation=interp)


def _worker(jobs, out, stop, size, read_options):
    """Decode ``(j, job)`` pairs taken from ``jobs`` until ``None`` (or until ``stop`` is
    set); post chunks of uint8 frames through shared memory; always end with ``"end"``."""
    import cv2

    cv2.setNumThreads(1)  # one core per worker: the pool scales by workers
    # the decoder's own threads too (FFmpeg's default is one per core)
    read_options = {"threads": 1, **read_options}
    from ..video import VideoReadError

    def send(j, k0, frames):
        arr = np.stack(frames)
        shm = shared_memory.SharedMemory(create=True, size=arr.nbytes)
        np.ndarray(arr.shape, arr.dtype, buffer=shm.buf)[...] = arr
        # the parent owns the block from here (it unlinks it once copied, or when it
        # drains the queue after a stop): the tracker must not unlink it again at exit
        resource_tracker.unregister(shm._name, "shared_memory")
        out.put(("chunk", j, k0, shm.name, arr.shape))
        shm.close()

    if size is None:
        transform = None
    elif callable(size):
        transform = size
    else:
        transform = functools.partial(_resize, size=size)
    try:
        for j, job in iter(jobs.get, None):
            frames, k0 = [], 0
            try:
                for frame in job.clip().read(**read_options):
                    if stop.is_set():
                        return
                    frames.append(frame if transform is None else transform(frame))
                    if len(frames) == _CHUNK:
                        send(j, k0, frames)
                        k0 += len(frames)
                        frames = []
                if frames:
                    send(j, k0, frames)
                out.put(("done", j, None, None, None))
            except (VideoReadError, OSError, cv2.error) as exc:
                msg = str(exc) if job.name in str(exc) else f"{job.name}: {exc}"
                out.put(("error", j, msg, None, None))
            if stop.is_set():
                return
    finally:
        out.put(("end", None, None, None, None))


class DecodePool:
    """Decode the frames of several jobs in ``n_decoders`` worker processes.

    Parameters
    ----------
    n_decoders : int
        Worker processes; each takes the next job as soon as it is free (videos differ
        in length and resolution: a fixed share would leave workers idle) and decodes it
        with a one-thread decoder.
    size : int, callable or None, default=None
        Resize every frame to ``size x size`` in the workers; a picklable callable maps
        each decoded uint8 frame to the uint8 frame to hand over (a network's resize and
        crop, see ``NetworkFrameTransformer``); ``None``: as decoded.
    read_options : dict, default=None
        Passed to :meth:`skvideo_clf.video.Clip.read` (``reader``, ``seek``).

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

    def __init__(self, n_decoders, *, size=None, read_options=None):
        self.n_decoders = n_decoders
        self.size = size
        self.read_options = read_options

    def run(self, jobs):
        """Yield ``("frames", j, first k, uint8 array)``, ``("done", j, None, None)`` and
        ``("error", j, message, None)`` as the workers produce them (in order within a
        job; jobs interleave)."""
        n = max(1, min(int(self.n_decoders), len(jobs)))
        ctx = _context()
        out = ctx.Queue(maxsize=8 * n)
        todo = ctx.Queue()
        stop = ctx.Event()
        # longest first: a long video taken last would leave the other workers idle
        for j in sorted(range(len(jobs)), key=lambda j: -_decode_cost(jobs[j])):
            todo.put((j, jobs[j]))
        for _ in range(n):
            todo.put(None)
        procs = [ctx.Process(target=_worker, daemon=True, name=f"skvc-decoder-{w}",
                             args=(todo, out, stop, self.size, self.read_options or {}))
                 for w in range(n)]
        # a worker needs the main script only for objects defined there (pickled by
        # reference to "__main__"); otherwise spare it re-running the script (seconds)
        needs_main = _refers_to_main((jobs, self.size, self.read_options))
        with contextlib.nullcontext() if needs_main else _main_script_not_rerun():
            for p in procs:
                p.start()
        running = [n]
        try:
            while running[0]:
                event = self._next_event(out, procs, running)
                if event is not None:
                    yield event
        finally:
            # a consumer that stops early (an error, an interrupt, close()): the workers
            # stop at their next frame and post "end"; every block they posted meanwhile
            # is unlinked here (a terminated worker could leave one in flight)
            stop.set()
            _drain(out, procs, running)
            for p in procs:
                p.join(timeout=5)
                if p.is_alive():
                    p.terminate()
                    p.join()
            # jobs never taken stay in the queue's buffer: do not wait at exit to send them
            todo.cancel_join_thread()
            todo.close()

    @staticmethod
    def _next_event(out, procs, running):
        try:
            kind, j, a, b, shape = out.get(timeout=1.0)
        except queue.Empty:
            if not any(p.is_alive() for p in procs):
                raise RuntimeError(
                    "a decode worker died without a word: killed, out of memory, or the "
                    "main script starts work without an `if __name__ == '__main__':` guard "
                    "(workers start from a fresh interpreter, which imports the main script "
                    "again).") from None
            return None
        if kind == "end":
            running[0] -= 1
            return None
        if kind == "chunk":
            shm = shared_memory.SharedMemory(name=b)
            try:
                frames = np.ndarray(shape, np.uint8, buffer=shm.buf).copy()
            finally:
                shm.close()
                shm.unlink()
            return ("frames", j, a, frames)
        return ("done", j, None, None) if kind == "done" else ("error", j, a, None)


def _decode_cost(job):
    """Frames decoded (at most up to the last one requested) x pixels per frame."""
    from ..video import InMemoryVideo, video_info

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
    Preloading imports the library (and scikit-learn, ~2 s) once per process in the
    server instead of once per worker per run.
    """
    if "forkserver" not in mp.get_all_start_methods():  # Windows
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


def _drain(out, procs, running, timeout=10.0):
    """Unlink the blocks of chunks never collected, until every worker said "end" (or
    died, or ``timeout`` seconds passed)."""
    deadline = time.monotonic() + timeout
    while running[0] and time.monotonic() < deadline:
        try:
            kind, _, _, name, _ = out.get(timeout=0.2)
        except queue.Empty:
            if not any(p.is_alive() for p in procs):
                return
            continue
        except (OSError, ValueError):
            return
        if kind == "end":
            running[0] -= 1
        elif kind == "chunk":
            try:
                shm = shared_memory.SharedMemory(name=name)
                shm.close()
                shm.unlink()
            except FileNotFoundError:
                pass
