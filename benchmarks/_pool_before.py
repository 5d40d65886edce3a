"""The decode pool as it was before it moved onto torch's DataLoader (kept for comparison only).

``python benchmarks/featurize.py --decode-pool`` times it beside
:class:`skvideo_clf.features._decode_pool.DecodePool` and bare OpenCV processes. It leaks
its workers, fork server, resource tracker and shared-memory blocks when its parent is
killed: not for use. The text below is its original docstring.

A decode pool: worker processes decode (and resize) frames for the one network process.

A network on an accelerator eats thousands of frames per second; one decode thread feeds
it ~100 (240p) or ~15 (720p at 1 FPS). Here ``n_decoders`` worker processes decode their
share of the videos, each with a one-thread decoder, optionally resize to the network's
input size, and hand the frames over as **uint8 in shared memory**
(:mod:`multiprocessing.shared_memory`, one block per chunk of frames): nothing is pickled
but a block's name and shape, and float conversion and normalisation stay with the
network's owner (on the device). The network is built once, in the calling process.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import time
from multiprocessing import resource_tracker, shared_memory

import cv2
import numpy as np

from skvideo_clf.features._decode_loader import resize as _resize
from skvideo_clf.features._decode_pool import (
    _context,
    _decode_cost,
    _main_script_not_rerun,
    _refers_to_main,
)
from skvideo_clf.video import VideoReadError

#: Frames per shared-memory block.
_CHUNK = 16

def _worker(jobs, out, stop, size, read_options):
    """Decode ``(j, job)`` pairs taken from ``jobs`` until ``None`` (or until ``stop`` is
    set); post chunks of uint8 frames through shared memory; always end with ``"end"``."""
    cv2.setNumThreads(1)  # one core per worker: the pool scales by workers
    # the decoder's own threads too (FFmpeg's default is one per core)
    read_options = {"threads": 1, **read_options}
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
    """The pool before the DataLoader: the parameters and events of
    :class:`skvideo_clf.features._decode_pool.DecodePool` (less ``pin_memory``)."""

    def __init__(self, n_decoders, *, size=None, read_options=None):
        self.n_decoders = n_decoders
        self.size = size
        self.read_options = read_options

    def run(self, jobs):
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
