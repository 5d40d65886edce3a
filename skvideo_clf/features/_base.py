"""The shared machinery of every frame featurizer.

Videos (paths, arrays or clips) -> frame indices per video -> cache look-up -> the missing
frames computed (grouped per video, in joblib tasks) -> sequences padded, up-sampled or
truncated to ``sequence_length``.
"""

from __future__ import annotations

import os
import time
import zlib
from collections import Counter
from dataclasses import dataclass
from numbers import Integral

import cv2
import numpy as np
from joblib import Memory, Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..utils import object_array
from ..video import (
    FRAME_STRATEGIES,
    Clip,
    VideoReadError,
    as_clips,
    sample_frame_indices,
    source_fingerprint,
    uniform_indices,
    up_sample_indices,
    video_info,
)
from ._cache import FrameCache, augmentation_token, cache_root, frame_key


@dataclass(frozen=True)
class _Job:
    """The distinct frames one featurizer still has to compute for one (video, augmentation)."""

    source: object
    augmentation: object
    indices: tuple  # sorted, distinct
    name: str

    def clip(self, indices=None) -> Clip:
        return Clip(self.source, tuple(self.indices if indices is None else indices),
                    self.augmentation)


#: Frames computed in this process per featurizer class, all instances and clones together
#: (``n_frames_computed_`` counts one fitted instance; a grid search discards its clones).
FRAMES_COMPUTED: Counter = Counter()


def _run_chunk(transformer, jobs):
    """One joblib task: compute a chunk of jobs (module level so that it pickles)."""
    transformer._ensure_ready()
    return transformer._compute(jobs, None)


class _BaseFrameTransformer(TransformerMixin, BaseEstimator):
    """Base of the frame featurizers (not public).

    Subclasses implement ``_setup(clips)`` (fit-time state: network, weights),
    ``_identity()`` (a dict of everything that defines a frame's features, for the cache),
    and either ``_featurize_job(job)`` (an array ``(len(job.indices), *shape)``) or a whole
    ``_compute(jobs, on_done)``; ``_fit_features(seqs)`` and ``_finish(arr)`` optionally
    fit and apply a per-frame post-processing step (PCA) that the cache does not store.
    """

    _parameter_constraints: dict = {
        "sequence_length": [Interval(Integral, 1, None, closed="left"), None],
        "frame_sampling": [StrOptions(set(FRAME_STRATEGIES))],
        "padding": [StrOptions({"upsample", "zeros"})],
        "memory": [None, str, os.PathLike, Memory],
        "n_jobs": [Integral, None],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    # ------------------------------------------------------------------ sklearn API
    def fit(self, X, y=None):
        """Check parameters, set up the featurizer (weights, ...) and fit its post-processing.

        Parameters
        ----------
        X : list of str, path-like, uint8 ndarray (T, H, W, 3) or Clip
            Training videos.
        y : ignored

        Returns
        -------
        self
        """
        self._fit(X)
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return the features of ``X`` (frames computed once for both)."""
        seqs = self._fit(X)
        if seqs is None:
            seqs = self._raw_sequences(as_clips(X))
        return self._assemble(seqs)

    def transform(self, X):
        """Feature sequences of the videos in ``X``.

        Parameters
        ----------
        X : list of str, path-like, uint8 ndarray (T, H, W, 3) or Clip
            Videos. Clips with ``frame_indices`` are read at exactly those frames (and
            augmented if they carry an augmentation); others use ``frame_sampling``.

        Returns
        -------
        features : ndarray of shape (n_videos, sequence_length, ...) float32, or a 1-D
            object ndarray of float32 ``(T_i, ...)`` arrays when ``sequence_length=None``.
        """
        check_is_fitted(self, "n_frames_computed_")
        return self._assemble(self._raw_sequences(as_clips(X)))

    # ------------------------------------------------------------------ hooks
    def _setup(self, clips):
        pass

    def _identity(self) -> dict:
        raise NotImplementedError

    def _fit_features(self, seqs):
        pass

    def _finish(self, arr):
        return arr

    def _needs_fit_features(self):
        return False

    def _task_copy(self):
        """What ``_run_jobs`` ships to each joblib task (see InceptionFrameTransformer)."""
        return self

    def _ensure_ready(self):
        """Rebuild, in a worker, the state that ``_task_copy`` left out."""

    # ------------------------------------------------------------------ internals
    def _fit(self, X):
        self._validate_params()
        clips = as_clips(X)
        self.n_frames_computed_ = 0
        self._setup(clips)
        if not self._needs_fit_features():
            return None
        seqs = self._raw_sequences(clips)
        self._fit_features(seqs)
        return seqs

    def _say(self, msg):
        if self.verbose:
            print(f"[{type(self).__name__}] {msg}")

    def _plan(self, clip, seed):
        """Frame indices for one clip, and how many zero steps to append."""
        # the decodable frame count (cached per file) is checked for clips with indices
        # too: frames of one file are decoded in one pass for all its clips, so a bad index
        # must be refused here, naming its clip, not fail the shared pass
        info = video_info(clip.source)
        if clip.frame_indices is not None:
            idx = np.asarray(clip.frame_indices, dtype=np.intp)
            if idx.max() >= info.n_frames:
                raise VideoReadError(
                    f"{str(clip.source)!r}: frame {int(idx.max())} requested but only "
                    f"{info.n_frames} frames decode."
                )
            n_frames = None
        else:
            n_frames = info.n_frames
            rng = None
            if self.frame_sampling == "rand_down":
                fp = zlib.crc32(source_fingerprint(clip.source).encode())
                rng = np.random.default_rng([seed, fp]) if seed is not None else None
                rng = np.random.RandomState(rng.integers(2**31)) if rng is not None else None
            idx = sample_frame_indices(n_frames, self.frame_sampling, self.sequence_length,
                                       video_fps=info.fps, random_state=rng)
        length = self.sequence_length
        n_pad = 0
        if length is not None:
            if len(idx) > length:
                if n_frames is None:
                    # A sampler's clip covers its whole video: keep that span rather than
                    # its first frames (the sampler's and the featurizer's lengths differ).
                    idx = idx[uniform_indices(len(idx), length)]
                else:
                    idx = idx[:length]  # truncate, as seed 002 does
            elif len(idx) < length or (n_frames is not None and n_frames < length):
                if self.padding == "zeros":
                    if n_frames is not None and n_frames < length:
                        # every frame once, then zero steps (seed 002), not the repeats
                        # that uniform sampling makes of a short video
                        idx = np.unique(idx)
                    n_pad = length - len(idx)
                else:  # seed 000's UpSample: repeat frames in order
                    self._say(f"{clip.source}: {len(idx) if n_frames is None else n_frames} "
                              f"frames < sequence_length={length}; up-sampled.")
                    idx = idx[up_sample_indices(len(idx), length)]
        return idx, n_pad

    def _raw_sequences(self, clips):
        """Per video, the un-post-processed features (list of float32 arrays)."""
        seed = None
        if self.frame_sampling == "rand_down" and self.random_state is not None:
            seed = int(check_random_state(self.random_state).randint(2**31))
        errors = {}
        plans = {}
        for pos, clip in enumerate(clips):
            try:
                plans[pos] = self._plan(clip, seed)
            except (VideoReadError, OSError) as exc:
                errors[pos] = str(exc)

        root = cache_root(self.memory)
        cache = FrameCache(root, self._identity()) if root is not None else None

        # distinct frames per (video fingerprint, augmentation), minus the cached ones
        found = {}  # frame key -> features
        wanted = {}  # (fingerprint, aug token) -> [source, augmentation, set(indices)]
        keys = {}
        for pos, (idx, _) in plans.items():
            clip = clips[pos]
            try:
                fp = source_fingerprint(clip.source)
            except OSError as exc:
                errors[pos] = str(exc)
                continue
            token = augmentation_token(clip.augmentation)
            ks = [frame_key(fp, i, clip.augmentation) for i in idx]
            keys[pos] = ks
            for i, k in zip(idx, ks):
                if k in found:
                    continue
                value = cache.get(k) if cache is not None else None
                if value is not None:
                    found[k] = value
                else:
                    entry = wanted.setdefault((fp, token),
                                              [clip.source, clip.augmentation, set()])
                    entry[2].add(int(i))
        jobs, job_fp = [], []
        for (fp, _), (source, aug, idx_set) in wanted.items():
            jobs.append(_Job(source, aug, tuple(sorted(idx_set)), str(source)))
            job_fp.append(fp)

        n_new = sum(len(j.indices) for j in jobs)
        if jobs:
            self._say(f"{len(clips)} videos: {len(found)} frames cached, {n_new} to compute.")

        def store(j, feats):
            # Called as each video finishes, so the cache keeps every finished video of a
            # run that is killed later on.
            job = jobs[j]
            for i, f in zip(job.indices, feats):
                if not np.all(np.isfinite(f)):
                    raise ValueError(
                        f"{job.name}: the features of frame {i} contain NaN or infinity "
                        f"({type(self).__name__}); the frame or the weights are broken."
                    )
            for i, f in zip(job.indices, feats):
                k = frame_key(job_fp[j], i, job.augmentation)
                found[k] = f
                if cache is not None:
                    cache.put(k, f)
            self.n_frames_computed_ += len(job.indices)
            FRAMES_COMPUTED[type(self).__name__] += len(job.indices)

        job_errors = self._run_jobs(jobs, store)
        bad_fps = {job_fp[j]: msg for j, msg in job_errors.items()}

        for pos, ks in keys.items():
            if any(k not in found for k in ks):
                fp = source_fingerprint(clips[pos].source)
                errors.setdefault(pos, bad_fps.get(fp, f"{clips[pos].source}: not computed"))
        if errors:
            lines = "\n".join(f"  - video {pos}: {msg}" for pos, msg in sorted(errors.items()))
            raise VideoReadError(
                f"{len(errors)} of {len(clips)} videos could not be featurized "
                f"({type(self).__name__}); fix or remove them:\n{lines}"
            )

        seqs = []
        for pos in range(len(clips)):
            arr = np.stack([found[k] for k in keys[pos]]).astype(np.float32, copy=False)
            n_pad = plans[pos][1]
            if n_pad:
                arr = np.concatenate([arr, np.zeros((n_pad,) + arr.shape[1:], np.float32)])
            seqs.append(arr)
        return seqs

    def _assemble(self, seqs):
        seqs = [self._finish(s) for s in seqs]
        if self.sequence_length is None:
            return object_array(seqs)
        return np.stack(seqs).astype(np.float32, copy=False)

    def _run_jobs(self, jobs, store):
        """Compute all jobs, in joblib tasks when ``n_jobs`` asks for more than one.

        ``store(j, features)`` receives each job's features as soon as they exist (per
        video when serial, per task when parallel); returns ``{job position: error}``.
        """
        if not jobs:
            return {}
        from tqdm.auto import tqdm

        n_frames = sum(len(j.indices) for j in jobs)
        bar = tqdm(total=len(jobs), unit="video", disable=not self.verbose,
                   desc=type(self).__name__)
        start = time.perf_counter()
        done_frames = [0]

        def progress(n_videos, n_new_frames):
            done_frames[0] += n_new_frames
            rate = done_frames[0] / max(time.perf_counter() - start, 1e-9)
            bar.set_postfix_str(f"{rate:.1f} frames/s", refresh=False)
            bar.update(n_videos)

        def on_done(j, feats):
            if feats is not None:
                store(j, feats)
            progress(1, 0 if feats is None else len(jobs[j].indices))

        n_workers = min(effective_n_jobs(self.n_jobs), len(jobs))
        try:
            if n_workers <= 1:
                return self._compute(jobs, on_done)[1]
            # Round-robin tasks balance long and short videos; about four tasks per worker
            # so that finished work streams back (and into the cache) while others run.
            n_tasks = min(len(jobs), 4 * n_workers)
            chunks = [list(range(w, len(jobs), n_tasks)) for w in range(n_tasks)]
            shipped = self._task_copy()
            outs = Parallel(n_jobs=n_workers, return_as="generator")(
                delayed(_run_chunk)(shipped, [jobs[j] for j in chunk]) for chunk in chunks
            )
            errors = {}
            for chunk, (res, err) in zip(chunks, outs):
                for j, feats in res.items():
                    on_done(chunk[j], feats)
                errors.update({chunk[j]: v for j, v in err.items()})
                progress(len(err), 0)
            return errors
        finally:
            bar.close()
            if self.verbose and n_frames:
                dt = time.perf_counter() - start
                self._say(f"{n_frames} frames in {dt:.1f} s ({n_frames / dt:.1f} frames/s).")

    def _compute(self, jobs, on_done):
        """Default: one video at a time through ``_featurize_job``.

        ``on_done(j, features or None)``, when given, is called as each job ends.
        Returns ``({job position: array}, {job position: error message})``.
        """
        results, errors = {}, {}
        for j, job in enumerate(jobs):
            try:
                results[j] = np.asarray(self._featurize_job(job), dtype=np.float32)
            except (VideoReadError, OSError, cv2.error) as exc:
                errors[j] = f"{job.name}: {exc}" if job.name not in str(exc) else str(exc)
            if on_done is not None:
                on_done(j, results.get(j))
        return results, errors

    def _featurize_job(self, job):
        raise NotImplementedError
