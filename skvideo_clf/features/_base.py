"""The shared machinery of every frame featurizer (public base: ``BaseFrameTransformer``).

One concept, kept whole although it passes 500 lines: the path of a frame from a video to
a feature sequence (plan, cache look-up, parallel computation, error report, assembly);
its steps share the plan and the cache keys, and split apart they would pass them around.

Videos (paths, arrays or clips) -> frame indices per video -> cache look-up -> the missing
frames computed (grouped per video, in joblib tasks) -> sequences padded, up-sampled or
truncated to ``sequence_length``.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import time
import warnings
import zlib
from collections import Counter
from dataclasses import dataclass
from numbers import Integral

import cv2
import numpy as np
from joblib import Memory, Parallel, delayed, effective_n_jobs
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from .. import __version__
from ..utils import object_array
from ..video import (
    COUNT_MODES,
    FRAME_STRATEGIES,
    READERS,
    Clip,
    VideoInfo,
    VideoReadError,
    as_clips,
    keyframe_indices,
    sample_frame_indices,
    source_fingerprint,
    uniform_indices,
    up_sample_indices,
    video_info,
)
from ..video._reader import remember_info
from ._cache import (
    FrameCache,
    augmentation_token,
    cache_root,
    fingerprint_mode,
    frame_key,
    stable_value,
)
from ._decode_pool import DecodePool


@dataclass(frozen=True)
class _Job:
    """The distinct frames one featurizer still has to compute for one (video, augmentation)."""

    source: object
    augmentation: object
    indices: tuple  # sorted, distinct
    name: str
    seek: str = "exact"  # the cache keys' frame choice (see BaseFrameTransformer._seek_token)

    def clip(self, indices=None) -> Clip:
        return Clip(self.source, tuple(self.indices if indices is None else indices),
                    self.augmentation)


#: Frames computed in this process per featurizer class, all instances and clones together
#: (``n_frames_computed_`` counts one fitted instance; a grid search discards its clones).
FRAMES_COMPUTED: Counter = Counter()


def _run_chunk(transformer, jobs):
    """One joblib task: compute a chunk of jobs (module level so that it pickles)."""
    return transformer._compute(jobs, None)


def _check_labels(y):
    """Refuse labels no classifier can take before any frame is decoded (the featurizer is
    the first, slow step of a pipeline; the classifier would see ``y`` only at the end)."""
    if y is None:
        return
    values = np.asarray(y, dtype=object).ravel()
    missing = [i for i, v in enumerate(values) if v is None]
    if missing:
        raise ValueError(f"y holds None at position(s) {missing[:10]}: every video needs a "
                         "label.")
    kinds = {"str" if isinstance(v, (str, np.str_)) else "number" for v in values}
    if len(kinds) > 1:
        raise ValueError("y holds a mix of string and number labels (e.g. 'a' and 1); use "
                         "one type for every label.")


#: Frames handed to ``_featurize_frames`` at once: one video may have thousands of frames.
_FRAMES_PER_CALL = 32


class BaseFrameTransformer(TransformerMixin, BaseEstimator):
    """Base class of frame featurizers: videos in, per-frame feature sequences out.

    Everything but the per-frame computation is done here: frame sampling, the frame
    cache, joblib parallelism, progress, error reports that name every bad video, and
    padding or truncating to ``sequence_length``.

    **The contract.** A subclass implements

    * ``_featurize_frames(self, frames)``: ``frames`` is a uint8 array ``(n, H, W, 3)``
      (RGB) of some frames of one video; it returns an array ``(n, ...)`` of their
      features (cast to float32). Features must depend only on the frame and the
      estimator's parameters (the cache relies on it).
    * ``__init__`` listing its own parameters and the base ones below (sklearn reads the
      parameters from its signature), passing the base ones to ``super().__init__`` and
      storing its own untouched, and ``_parameter_constraints`` extending
      ``BaseFrameTransformer._parameter_constraints``.

    and may implement

    * ``_setup(self, clips, features)``: fit-time state (a network, weights, a model
      fitted on the training features). ``features()`` returns the training videos'
      per-frame features as a list of ``(T_i, ...)`` arrays, computed once and shared
      with ``fit_transform``.
    * ``_finish(self, features)``: per-video post-processing of a ``(T, ...)`` array
      after the cache (for example a PCA fitted in ``_setup``); its parameters are
      listed in ``_cache_ignore``.

    **The cache identity** is derived here, once: the class, ``get_params()`` minus the
    parameters in ``_cache_ignore`` (those that cannot change a frame's cached features:
    ``sequence_length``, ``frame_sampling``, ``padding``, ``memory``, ``n_jobs``,
    ``verbose``, ``random_state``; subclasses add theirs), ``_features_version`` (bump it
    when the computation changes), the library's and OpenCV's versions. A new parameter
    is part of the identity unless it is listed, so forgetting it costs cache misses,
    never stale features. To wrap a plain function instead of subclassing, see
    :class:`FunctionFrameTransformer`.

    Parameters
    ----------
    sequence_length : int or None
        Time steps per video. ``None`` returns the variable-length form: a 1-D object
        array of float32 ``(T_i, ...)`` arrays.
    frame_sampling : {"uniform", "block", "fps", "rand_down", "all"}
        Strategy for videos and clips without frame indices (see
        :func:`skvideo_clf.video.sample_frame_indices`).
    padding : {"upsample", "zeros"}
        A video with fewer frames than ``sequence_length``: repeat frames in order (seed
        000's UpSample; said at ``verbose``) or append zero steps (seed 002). Longer
        sequences are truncated.
    memory : str, path-like, joblib.Memory or None
        Folder of the frame cache (see :mod:`skvideo_clf.features._cache`).
    n_jobs : int or None
        Videos are split over this many joblib tasks.
    verbose : int
        Progress bar (videos, frames/s) and notes.
    random_state : int, RandomState or None
        Seeds ``frame_sampling="rand_down"``.

    **Reading options**, for subclasses that list them in ``__init__`` (class defaults
    otherwise; see the user guide's "Reading videos"):

    reader : {"opencv", "pyav"}, default="opencv"
        The decoder (:func:`skvideo_clf.video.read_frames`); part of the cache identity
        unless it is the default.
    seek : {"exact", "keyframe"}, default="exact"
        ``"keyframe"``: with ``frame_sampling`` "uniform" or "fps", each sampled frame is
        replaced by its nearest keyframe (indices that do not matter exactly). With
        ``reader="pyav"`` that is one decoded frame per sampled frame; OpenCV cannot land
        on a keyframe itself and decodes the interval before it (a warning says so).
        Such runs have cache entries of their own, apart from exact runs.
    count : {"auto", "header", "exact"}, default="auto"
        How frames are counted (:func:`skvideo_clf.video.video_info`); counts are kept
        in the cache when ``memory`` is set. A ``"header"`` count that a read proves
        wrong (the file ends before a requested frame) is replaced by an exact count for
        that file, said at ``verbose``, and its videos are planned and read again.
    n_decoders : int or None, default=None
        Decode in this many worker processes that hand uint8 frames over in shared
        memory (:class:`~skvideo_clf.features._decode_pool.DecodePool`); ``None``: in
        this process.

    Attributes
    ----------
    n_frames_computed_ : int
        Frames actually computed since ``fit`` (cache hits excluded).

    Examples
    --------
    >>> import numpy as np
    >>> from skvideo_clf.features import BaseFrameTransformer
    >>> class MeanColour(BaseFrameTransformer):
    ...     # mean R, G, B of each frame, times gain
    ...     _parameter_constraints = {**BaseFrameTransformer._parameter_constraints,
    ...                               "gain": [float]}
    ...     def __init__(self, gain=1.0, *, sequence_length=2, frame_sampling="uniform",
    ...                  padding="upsample", memory=None, n_jobs=None, verbose=0,
    ...                  random_state=None):
    ...         super().__init__(sequence_length=sequence_length, frame_sampling=frame_sampling,
    ...                          padding=padding, memory=memory, n_jobs=n_jobs,
    ...                          verbose=verbose, random_state=random_state)
    ...         self.gain = gain
    ...     def _featurize_frames(self, frames):
    ...         return frames.reshape(len(frames), -1, 3).mean(axis=1) * self.gain
    >>> video = np.full((5, 8, 8, 3), 10, np.uint8)
    >>> MeanColour(gain=0.5).fit_transform([video]).tolist()
    [[[5.0, 5.0, 5.0], [5.0, 5.0, 5.0]]]
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
    #: The reading options (see "Reading frames" below): a subclass exposes them by
    #: listing them in its ``__init__`` and merging these constraints into its own; the
    #: class defaults below apply otherwise.
    _reading_constraints: dict = {
        "reader": [StrOptions(set(READERS))],
        "seek": [StrOptions({"exact", "keyframe"})],
        "count": [StrOptions(set(COUNT_MODES))],
        "n_decoders": [Interval(Integral, 1, None, closed="left"), None],
    }

    #: Defaults of the reading options for subclasses that do not list them.
    reader = "opencv"
    seek = "exact"
    count = "auto"
    n_decoders = None

    def __init__(self, *, sequence_length=40, frame_sampling="uniform", padding="upsample",
                 memory=None, n_jobs=None, verbose=0, random_state=None):
        self.sequence_length = sequence_length
        self.frame_sampling = frame_sampling
        self.padding = padding
        self.memory = memory
        self.n_jobs = n_jobs
        self.verbose = verbose
        self.random_state = random_state

    #: Parameters that cannot change a frame's cached features (see the class docstring).
    _cache_ignore = frozenset({"sequence_length", "frame_sampling", "padding", "memory",
                               "n_jobs", "verbose", "random_state", "seek", "count",
                               "n_decoders"})
    #: Bumped when a featurizer's computation changes within a release of the library.
    _features_version = 1

    # ------------------------------------------------------------------ sklearn API
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check parameters and set up the featurizer (weights, post-processing, ...).

        Parameters
        ----------
        X : list of str, path-like, uint8 ndarray (T, H, W, 3) or Clip
            Training videos.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted featurizer.
        """
        _check_labels(y)
        self._fit(X)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then return the features of ``X`` (frames computed once for both).

        Parameters
        ----------
        X, y
            As :meth:`fit`.
        **fit_params : dict
            Ignored.

        Returns
        -------
        features : ndarray
            As :meth:`transform`.
        """
        _check_labels(y)
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

    # ------------------------------------------------------------------ the contract
    def _featurize_frames(self, frames):
        """``(n, H, W, 3)`` uint8 RGB frames of one video -> ``(n, ...)`` features."""
        raise NotImplementedError(f"{type(self).__name__} must implement "
                                  "_featurize_frames(frames).")

    def _setup(self, clips, features):
        """Fit-time state; ``features()`` gives the training per-frame features."""

    def _finish(self, arr):
        """Per-video post-processing of ``(T, ...)`` features after the cache."""
        return arr

    # ------------------------------------------------------------------ internal hooks
    def _fitted_identity(self) -> dict:
        """Fitted state that defines the features beyond the parameters (weights digest)."""
        return {}

    def _task_copy(self):
        """What ``_run_jobs`` ships to each joblib task (see InceptionFrameTransformer)."""
        return self

    def _cache_identity(self) -> dict:
        """Everything that defines a frame's cached features (see the class docstring)."""
        params = {k: stable_value(v) for k, v in self.get_params(deep=False).items()
                  if k not in self._cache_ignore}
        if params.get("reader") == "opencv":  # the default keeps the identity it always had
            del params["reader"]
        cls = type(self)
        return {"featurizer": f"{cls.__module__}.{cls.__qualname__}",
                "features_version": self._features_version, "skvideo_clf": __version__,
                "opencv": cv2.__version__, "params": params, **self._fitted_identity()}

    # ------------------------------------------------------------------ internals
    def _fit(self, X):
        """Set up on ``X``; its raw per-frame features when ``_setup`` asked for them."""
        clips = as_clips(X)
        self.n_frames_computed_ = 0
        if self.seek == "keyframe" and self.reader == "opencv":
            # OpenCV's seek starts 16 frames before its target, which for a keyframe is in
            # the previous interval: every keyframe costs a whole interval of decoding
            # (measured 28x slower than PyAV on a 10-minute 720p file; same pixels)
            warnings.warn(
                f"{type(self).__name__}(seek='keyframe') with reader='opencv' decodes the "
                "keyframe interval before each keyframe: OpenCV cannot land on a keyframe "
                "itself. Set reader='pyav' (pip install av) to decode one frame per "
                "sampled frame.", UserWarning, stacklevel=3)
        memo = []

        def features():
            if not memo:
                memo.append(self._raw_sequences(clips))
            return memo[0]

        self._setup(clips, features)
        return memo[0] if memo else None

    def _say(self, msg):
        if self.verbose:
            print(f"[{type(self).__name__}] {msg}")

    def _plan(self, clip, seed):
        """Frame indices for one clip, and how many zero steps to append."""
        # the decodable frame count (cached per file) is checked for clips with indices
        # too: frames of one file are decoded in one pass for all its clips, so a bad index
        # must be refused here, naming its clip, not fail the shared pass
        info = self._video_info(clip.source)
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
            if self.seek == "keyframe" and self.frame_sampling in ("uniform", "fps"):
                idx = _nearest(keyframe_indices(clip.source, self.reader), idx)
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
        root = cache_root(self.memory)
        cache = FrameCache(root, self._cache_identity()) if root is not None else None
        found = {}  # frame key -> features
        keys = {}

        def compute(positions):
            """Plan, look up and compute the frames of ``clips[positions]``; returns the
            positions whose frames a computation failed to produce."""
            for pos in positions:
                try:
                    plans[pos] = self._plan(clips[pos], seed)
                except (VideoReadError, OSError) as exc:
                    errors[pos] = str(exc)
            # distinct frames per (video fingerprint, augmentation), minus the cached ones
            wanted = {}  # (fingerprint, aug token, seek) -> [source, augmentation, indices]
            for pos in positions:
                if pos not in plans:
                    continue
                idx = plans[pos][0]
                clip = clips[pos]
                try:
                    fp = source_fingerprint(clip.source, fingerprint_mode(self.memory))
                except OSError as exc:
                    errors[pos] = str(exc)
                    continue
                token = augmentation_token(clip.augmentation)
                seek = self._seek_token(clip)
                ks = [frame_key(fp, i, clip.augmentation, seek) for i in idx]
                keys[pos] = ks
                for i, k in zip(idx, ks):
                    if k in found:
                        continue
                    value = cache.get(k) if cache is not None else None
                    if value is not None:
                        found[k] = value
                    else:
                        entry = wanted.setdefault((fp, token, seek),
                                                  [clip.source, clip.augmentation, set()])
                        entry[2].add(int(i))
            jobs, job_fp = [], []
            for (fp, _, seek), (source, aug, idx_set) in wanted.items():
                jobs.append(_Job(source, aug, tuple(sorted(idx_set)), str(source), seek))
                job_fp.append(fp)

            n_new = sum(len(j.indices) for j in jobs)
            if jobs:
                self._say(f"{len(positions)} videos: {len(found)} frames cached, {n_new} to "
                          "compute.")

            def store(j, feats):
                # Called as each video finishes, so the cache keeps every finished video of
                # a run that is killed later on.
                job = jobs[j]
                for i, f in zip(job.indices, feats):
                    if not np.all(np.isfinite(f)):
                        raise ValueError(
                            f"{job.name}: the features of frame {i} contain NaN or infinity "
                            f"({type(self).__name__}); the frame or the weights are broken."
                        )
                for i, f in zip(job.indices, feats):
                    k = frame_key(job_fp[j], i, job.augmentation, job.seek)
                    found[k] = f
                    if cache is not None:
                        cache.put(k, f)
                self.n_frames_computed_ += len(job.indices)
                FRAMES_COMPUTED[type(self).__name__] += len(job.indices)

            job_errors = self._run_jobs(jobs, store)
            bad_fps = {job_fp[j]: msg for j, msg in job_errors.items()}
            failed = []
            for pos in positions:
                ks = keys.get(pos)
                if ks is not None and any(k not in found for k in ks):
                    fp = source_fingerprint(clips[pos].source, fingerprint_mode(self.memory))
                    errors.setdefault(pos, bad_fps.get(fp, f"{clips[pos].source}: not "
                                                           "computed"))
                    failed.append(pos)
            return failed

        failed = compute(range(len(clips)))
        # A header count is checked by reading: a file that ends before a requested frame
        # is counted exactly and its videos are planned and read again, once.
        retry = [pos for pos in failed if self._recount(clips[pos].source)]
        if retry:
            for pos in retry:
                del errors[pos], plans[pos], keys[pos]
            compute(retry)
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
        finished = False
        try:
            if n_workers <= 1:
                out = self._compute(jobs, on_done)[1]
                finished = True
                return out
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
            finished = True
            return errors
        finally:
            bar.close()
            if self.verbose and n_frames:
                dt = time.perf_counter() - start
                done = done_frames[0]
                if finished:
                    self._say(f"{n_frames} frames in {dt:.1f} s ({n_frames / dt:.1f} frames/s).")
                else:  # an interrupt or an error: say what was done, not what was planned
                    self._say(f"interrupted after {done} of {n_frames} frames in {dt:.1f} s "
                              f"({done / dt:.1f} frames/s).")

    def _compute(self, jobs, on_done):
        """Default: one video at a time through ``_featurize_job``.

        ``on_done(j, features or None)``, when given, is called as each job ends.
        Returns ``({job position: array}, {job position: error message})``.
        """
        if self.n_decoders:
            return self._compute_pooled(jobs, on_done)
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
        """One video's requested frames through ``_featurize_frames``, a chunk at a time."""
        out, batch = [], []

        def flush():
            feats = np.asarray(self._featurize_frames(np.stack(batch)), dtype=np.float32)
            if feats.ndim < 1 or len(feats) != len(batch):
                raise ValueError(f"{type(self).__name__}._featurize_frames returned shape "
                                 f"{feats.shape} for {len(batch)} frames; expected "
                                 f"({len(batch)}, ...).")
            out.append(feats)
            batch.clear()

        for frame in job.clip().read(**self._read_options()):
            batch.append(frame)
            if len(batch) == _FRAMES_PER_CALL:
                flush()
        if batch:
            flush()
        return np.concatenate(out)

    # ------------------------------------------------------------------ reading frames
    # Kept together and apart from the rest: how clips become decoded frames (counts,
    # reader options, the decode pool).

    def _read_options(self):
        """What ``Clip.read`` is given: the decoder and verified seeking."""
        return {"reader": self.reader, "seek": "auto"}

    def _seek_token(self, clip):
        """How the cache keys this clip's frames: ``"keyframe"`` when ``seek`` moved its
        sampled frames to keyframes (kept apart from exact runs), else ``"exact"``."""
        if (self.seek == "keyframe" and clip.frame_indices is None
                and self.frame_sampling in ("uniform", "fps")):
            return "keyframe"
        return "exact"

    def _decode_size(self):
        """Square size the decode pool resizes frames to (None: as decoded)."""
        return None

    def _video_info(self, source):
        """``video_info`` at this featurizer's ``count``, kept in the frame cache.

        Counts are stored next to the frames (one small entry per source fingerprint and
        count mode), so each file is counted once, not once per process.
        """
        store, key = self._count_entry(source)
        if store is None:
            return video_info(source, self.count)
        hit = store.get(key)
        if hit is not None and hit.shape == (6,):
            n, fps, h, w, declared, how = hit.tolist()
            return VideoInfo(int(n), fps, int(h), int(w), int(declared), _COUNTED[int(how)])
        info = video_info(source, self.count)
        if info.counted == "exact" and info.declared_frames != info.n_frames:
            self._say(f"{source}: the header claims {info.declared_frames} frames, "
                      f"{info.n_frames} decode; counted exactly.")
        self._keep_count(store, key, info)
        return info

    def _count_entry(self, source):
        """(count store, key) of a file's count at this ``count``; (None, None) without
        a cache or for in-memory videos."""
        root = cache_root(self.memory) if isinstance(source, str) else None
        if root is None:
            return None, None
        store = _CountStore(root, {"kind": "video_info", "opencv": cv2.__version__})
        text = f"{source_fingerprint(source)}|{self.count}"
        return store, hashlib.blake2b(text.encode(), digest_size=20).hexdigest()

    @staticmethod
    def _keep_count(store, key, info):
        store.put(key, np.array([info.n_frames, info.fps, info.height, info.width,
                                 info.declared_frames, _COUNTED.index(info.counted)],
                                np.float64))

    def _recount(self, source):
        """After a failed read: count a header-counted file exactly (kept in place of
        its header count, here and in the cache); True when the count changed."""
        if not isinstance(source, str):
            return False
        try:
            info = self._video_info(source)
            if info.counted != "header":
                return False
            exact = video_info(source, "exact")
        except (VideoReadError, OSError):
            return False
        if exact.n_frames == info.n_frames:
            return False
        exact = dataclasses.replace(exact, counted="exact")
        remember_info(source, self.count, exact)
        store, key = self._count_entry(source)
        if store is not None:
            self._keep_count(store, key, exact)
        self._say(f"{source}: the header claims {info.n_frames} frames but a read ended "
                  f"before a requested one; counted exactly: {exact.n_frames} frames. "
                  "Planned and read again.")
        return True

    def _compute_pooled(self, jobs, on_done):
        """``_compute`` with frames decoded by ``n_decoders`` worker processes."""
        results, errors = {}, {}
        parts = {j: [] for j in range(len(jobs))}
        pool = DecodePool(self.n_decoders, size=self._decode_size(),
                          read_options=self._read_options())
        for kind, j, payload, frames in pool.run(jobs):
            if kind == "frames":
                for start in range(0, len(frames), _FRAMES_PER_CALL):
                    batch = frames[start:start + _FRAMES_PER_CALL]
                    feats = np.asarray(self._featurize_frames(batch), dtype=np.float32)
                    parts[j].append(feats)
            elif kind == "done":
                results[j] = np.concatenate(parts.pop(j))
                if on_done is not None:
                    on_done(j, results[j])
            else:
                errors[j] = payload
                parts.pop(j, None)
                if on_done is not None:
                    on_done(j, None)
        return results, errors


_COUNTED = ("exact", "packets", "header")


class _CountStore(FrameCache):
    """Frame counts per source, stored like frames but never mistaken for features."""

    def path(self, key: str) -> str:
        return os.path.join(self.folder, key[:2], key + ".count")


def _nearest(keyframes, idx):
    """Each index moved to its nearest keyframe (ties to the earlier one)."""
    keyframes = np.asarray(keyframes)
    pos = np.clip(np.searchsorted(keyframes, idx), 1, max(len(keyframes) - 1, 1))
    before = keyframes[pos - 1]
    after = keyframes[np.minimum(pos, len(keyframes) - 1)]
    return np.where(np.abs(after - idx) < np.abs(idx - before), after, before).astype(np.intp)
