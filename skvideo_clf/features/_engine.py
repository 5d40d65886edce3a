"""The engine around a featurizer's one override point, ``_featurize_frames``.

Jobs (``_planning._Job``: distinct frames of one video) are decoded in a background thread
of this process, or with ``n_decoders`` in a :class:`~._decode_pool.DecodePool`; each
decoded frame goes through the featurizer's ``_frame_transform()`` where it is decoded;
frames are gathered into time steps (one frame, or a window of frames for featurizers that
need the frames after a step) and into batches (of one video, or mixing videos for the
network featurizers, ``_batches_mix_videos``); each batch goes through
``_featurize_frames`` once, and its output is checked here, once, for every featurizer: one
row per step, the same shape for every batch. NaN and infinity are checked where features
are stored (``BaseFrameTransformer._raw_sequences``).

With ``n_jobs``, jobs are split over joblib tasks (:func:`run_jobs`).
"""

from __future__ import annotations

import dataclasses
import queue
import threading
import time

import cv2
import numpy as np
from joblib import Parallel, delayed, effective_n_jobs
from tqdm.auto import tqdm

from ..video import VideoReadError
from ._decode_pool import DecodePool
from ._planning import step_window

#: Steps handed to ``_featurize_frames`` at once by featurizers without ``batch_size``.
FRAMES_PER_CALL = 32


class FeatureShapeError(ValueError):
    """``_featurize_frames`` (a user's function or module) gave features of the wrong
    shape: the message names it, the shape it gave and the shape expected."""


def run_jobs(featurizer, jobs, store):
    """Compute all jobs, in joblib tasks when ``n_jobs`` asks for more than one.

    ``store(j, features)`` receives each job's features as soon as they exist (per
    video when serial, per task when parallel); returns ``{job position: error}``.
    """
    if not jobs:
        return {}
    progress = _Progress(featurizer, jobs)
    n_workers = min(effective_n_jobs(featurizer.n_jobs), len(jobs))

    def on_done(j, feats):
        if feats is not None:
            store(j, feats)
        progress.update(1, 0 if feats is None else len(jobs[j].indices))

    try:
        if n_workers <= 1:
            errors = compute_jobs(featurizer, jobs, on_done)[1]
        else:
            errors = _run_parallel(featurizer, jobs, on_done, progress, n_workers)
        progress.finished = True
        return errors
    finally:
        progress.close()


def _run_parallel(featurizer, jobs, on_done, progress, n_workers):
    # Round-robin tasks balance long and short videos; about four tasks per worker so
    # that finished work streams back (and into the cache) while others run.
    n_tasks = min(len(jobs), 4 * n_workers)
    chunks = [list(range(w, len(jobs), n_tasks)) for w in range(n_tasks)]
    shipped = featurizer._task_copy()
    outs = Parallel(n_jobs=n_workers, return_as="generator")(
        delayed(_run_chunk)(shipped, [jobs[j] for j in chunk]) for chunk in chunks)
    errors = {}
    for chunk, (res, err) in zip(chunks, outs):
        for j, feats in res.items():
            on_done(chunk[j], feats)
        errors.update({chunk[j]: v for j, v in err.items()})
        progress.update(len(err), 0)
    return errors


def _run_chunk(featurizer, jobs):
    """One joblib task: compute a chunk of jobs (module level so that it pickles)."""
    return compute_jobs(featurizer, jobs, None)


class _Progress:
    """The progress bar (videos, frames/s) and the closing note at ``verbose``."""

    def __init__(self, featurizer, jobs):
        self.say = featurizer._say
        self.verbose = featurizer.verbose
        self.n_frames = sum(len(j.indices) for j in jobs)
        self.bar = tqdm(total=len(jobs), unit="video", disable=not self.verbose,
                        desc=type(featurizer).__name__)
        self.start = time.perf_counter()
        self.done = 0
        self.finished = False

    def update(self, n_videos, n_new_frames):
        self.done += n_new_frames
        rate = self.done / max(time.perf_counter() - self.start, 1e-9)
        self.bar.set_postfix_str(f"{rate:.1f} frames/s", refresh=False)
        self.bar.update(n_videos)

    def close(self):
        self.bar.close()
        if not (self.verbose and self.n_frames):
            return
        dt = time.perf_counter() - self.start
        if self.finished:
            self.say(f"{self.n_frames} frames in {dt:.1f} s "
                     f"({self.n_frames / dt:.1f} frames/s).")
        else:  # an interrupt or an error: say what was done, not what was planned
            self.say(f"interrupted after {self.done} of {self.n_frames} frames in "
                     f"{dt:.1f} s ({self.done / dt:.1f} frames/s).")


def compute_jobs(featurizer, jobs, on_done):
    """Decode, gather and featurize ``jobs`` in this process.

    ``on_done(j, features or None)``, when given, is called as each job ends.
    Returns ``({job position: array}, {job position: error message})``.
    """
    windows = _windows(featurizer, jobs)
    read_jobs = [job if w is None else dataclasses.replace(job, indices=w.frames)
                 for job, w in zip(jobs, windows)]
    options = featurizer._read_options()
    with featurizer._computing():
        transform = featurizer._frame_transform()
        if featurizer.n_decoders:
            events = DecodePool(int(featurizer.n_decoders), size=transform,
                                read_options=options).run(read_jobs)
        else:
            events = _thread_events(read_jobs, transform, options,
                                    2 * featurizer._frames_per_batch())
        try:
            return _Gatherer(featurizer, jobs, windows, on_done).run(events)
        finally:
            events.close()


@dataclasses.dataclass
class _Window:
    """A job's steps as windows of frames: ``frames`` to read, each step's positions."""

    frames: tuple
    steps: list

    @classmethod
    def of(cls, indices, n_frames, n_after):
        wins = [step_window(i, n_frames, n_after) for i in indices]
        frames = tuple(sorted({f for w in wins for f in w}))
        pos = {f: k for k, f in enumerate(frames)}
        return cls(frames, [[pos[f] for f in w] for w in wins])


def _windows(featurizer, jobs):
    n_after = featurizer._frames_after_step()
    if not n_after:
        return [None] * len(jobs)
    return [_Window.of(job.indices, featurizer._video_info(job.source).n_frames, n_after)
            for job in jobs]


class _Gatherer:
    """Frames (events of a decoder) -> steps -> batches through ``_featurize_frames``."""

    def __init__(self, featurizer, jobs, windows, on_done):
        self.featurizer = featurizer
        self.jobs, self.windows, self.on_done = jobs, windows, on_done
        self.batch_size = featurizer._frames_per_batch()
        self.mix_videos = featurizer._batches_mix_videos
        self.results: dict = {}
        self.errors: dict = {}
        self.pending = {j: len(job.indices) for j, job in enumerate(jobs)}
        self.read_done: set = set()
        self.held: dict = {}  # j -> {frame position: frame} of windowed jobs
        self.next_step: dict = {}
        self.batch, self.where = [], []
        self.expected = None  # the shape of one step's features, from the first batch

    def run(self, events):
        for kind, j, payload, frames in events:
            if kind == "frames":
                if j not in self.errors:
                    for k, frame in enumerate(frames, payload):
                        self._frame(j, k, frame)
            elif kind == "done":
                self.read_done.add(j)
                self.held.pop(j, None)
                self._maybe_done(j)
            else:  # error
                self.errors[j] = payload
                self.held.pop(j, None)
                self.results.pop(j, None)
                if self.on_done is not None:
                    self.on_done(j, None)
        if self.batch:
            self._flush()
        return self.results, self.errors

    def _frame(self, j, k, frame):
        window = self.windows[j]
        if window is None:
            self._step(j, k, frame)
            return
        held = self.held.setdefault(j, {})
        held[k] = frame
        s = self.next_step.get(j, 0)
        while s < len(window.steps) and window.steps[s][-1] in held:
            self._step(j, s, np.stack([held[p] for p in window.steps[s]]))
            s += 1
        self.next_step[j] = s
        first = window.steps[s][0] if s < len(window.steps) else len(window.frames)
        for p in [p for p in held if p < first]:
            del held[p]

    def _step(self, j, k, step):
        if self.batch and (len(self.batch) >= self.batch_size
                           or step.shape != self.batch[0].shape
                           or (j != self.where[0][0] and not self.mix_videos)):
            self._flush()
        self.batch.append(step)
        self.where.append((j, k))

    def _flush(self):
        out = check_features(self.featurizer, self.featurizer._featurize_frames(
            np.stack(self.batch)), len(self.batch), self.expected)
        self.expected = out.shape[1:]
        touched = []
        for (j, k), f in zip(self.where, out):
            if j in self.errors:
                continue
            if j not in self.results:
                self.results[j] = np.empty((len(self.jobs[j].indices),) + f.shape,
                                           np.float32)
            self.results[j][k] = f
            self.pending[j] -= 1
            touched.append(j)
        self.batch, self.where = [], []
        for j in sorted(set(touched)):
            self._maybe_done(j)

    def _maybe_done(self, j):
        if (self.pending[j] == 0 and j in self.read_done and j not in self.errors
                and self.on_done is not None):
            self.on_done(j, self.results[j])


def check_features(featurizer, out, n, expected):
    """``out`` of ``_featurize_frames`` for ``n`` steps as float32 ``(n, ...)``; refused,
    naming what computed it, when it is not one row per step of the shape of earlier
    batches (``expected``, or None for the first batch)."""
    who = featurizer._featurizer_name()
    if isinstance(out, (tuple, list, dict)):
        raise FeatureShapeError(
            f"{who} returned a {type(out).__name__} for a batch of {n} frames; expected one "
            f"array of shape ({n}, ...) (a module with several outputs needs a wrapper "
            "that returns the features only).")
    try:
        arr = np.asarray(out, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise FeatureShapeError(f"{who} returned a {type(out).__name__} that is not an "
                                f"array of features for {n} frames: {exc}") from None
    want = f"({n}, ...)" if expected is None else str((n, *expected))
    if arr.ndim < 1 or len(arr) != n or (expected is not None and arr.shape[1:] != expected):
        extra = ("" if expected is None or arr.ndim < 1 or len(arr) != n else
                 "; the features of a frame must not depend on the batch it is in")
        raise FeatureShapeError(f"{who} returned shape {arr.shape} for a batch of {n} "
                                f"frames; expected {want}{extra}.")
    return arr


def _thread_events(jobs, transform, read_options, maxsize):
    """The decode pool's events, produced by one background thread of this process."""
    q: queue.Queue = queue.Queue(maxsize=maxsize)
    stop = threading.Event()

    def put(item):
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def produce():
        try:
            for j, job in enumerate(jobs):
                _produce_job(j, job, transform, read_options, put, stop)
        except BaseException as exc:  # surfaced in the consumer
            put(("crash", None, exc, None))
        finally:
            put(("end", None, None, None))

    thread = threading.Thread(target=produce, daemon=True, name="skvc-decode")
    thread.start()
    try:
        while True:
            item = q.get()
            if item[0] == "end":
                return
            if item[0] == "crash":
                raise item[2]
            yield item
    finally:
        stop.set()
        thread.join()


def _produce_job(j, job, transform, read_options, put, stop):
    try:
        for k, frame in enumerate(job.clip().read(**read_options)):
            if stop.is_set():
                return
            put(("frames", j, k, (frame if transform is None else transform(frame))[None]))
        put(("done", j, None, None))
    except (VideoReadError, OSError, cv2.error) as exc:
        msg = str(exc) if job.name in str(exc) else f"{job.name}: {exc}"
        put(("error", j, msg, None))
