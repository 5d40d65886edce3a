"""The decode pool, the reading options of featurizers and the persisted counts."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

from skvideo_clf.features import FunctionFrameTransformer, shutdown_decode_workers
from skvideo_clf.features._base import _Job
from skvideo_clf.features._decode_pool import DecodePool, thread_budget
from skvideo_clf.video import _counts, _pyav, read_video, video_info, write_video


def _colour(frames):
    return frames.reshape(len(frames), -1, 3).mean(axis=1)


@pytest.fixture(autouse=True)
def no_kept_workers():
    """Each test starts and ends with no decode workers kept by earlier runs."""
    shutdown_decode_workers()
    yield
    shutdown_decode_workers()


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    paths = []
    for v in range(3):
        frames = rng.integers(0, 255, size=(20 + 7 * v, 16, 24, 3), dtype=np.uint8)
        paths.append(str(write_video(tmp_path / f"v{v}.avi", frames)))
    return paths


@pytest.mark.parametrize("n_decoders", [1, 2])
def test_pool_gives_identical_features(files, n_decoders):
    videos = files + [np.full((5, 8, 8, 3), 9, np.uint8)]
    plain = FunctionFrameTransformer(_colour, sequence_length=6).fit_transform(videos)
    pooled_tf = FunctionFrameTransformer(_colour, sequence_length=6, n_decoders=n_decoders)
    pooled = pooled_tf.fit_transform(videos)
    assert np.array_equal(plain, pooled)
    assert pooled_tf.n_frames_computed_ == 6 * 3 + 5


def test_each_job_gets_its_own_frames_in_order(files):
    # 2 workers interleave 6 jobs' chunks; each job's chunks come in order
    jobs = [_Job(f, None, tuple(range(20 + 7 * v)), f"v{v}") for v, f in enumerate(files)] * 2
    parts = {j: [] for j in range(len(jobs))}
    for kind, j, k0, frames in DecodePool(2).run(jobs):
        if kind == "frames":
            assert k0 == sum(map(len, parts[j]))
            parts[j].append(frames)
    for j, job in enumerate(jobs):
        assert np.array_equal(np.concatenate(parts[j]), read_video(job.source))


def test_pool_reports_bad_videos_by_name(files, tmp_path):
    bad = tmp_path / "bad.avi"
    bad.write_text("not a video" * 40)
    jobs = [_Job(files[0], None, (0, 19), "good"), _Job(str(bad), None, (0,), str(bad))]
    events = list(DecodePool(2).run(jobs))
    kinds = sorted((e[0], e[1]) for e in events)
    assert kinds == [("done", 0), ("error", 1), ("frames", 0)]
    assert "bad.avi" in next(e[2] for e in events if e[0] == "error")


def test_pool_resizes_to_uint8_in_the_workers(files):
    events = list(DecodePool(1, size=10).run([_Job(files[2], None, tuple(range(34)), "v")]))
    chunks = [e[3] for e in events if e[0] == "frames"]
    assert [c.shape[0] for c in chunks] == [32, 2]  # CHUNK frames at most
    assert all(c.dtype == np.uint8 and c.shape[1:] == (10, 10, 3) for c in chunks)
    # large frames: chunks of at most CHUNK_BYTES (3 MB frames: 2 a chunk)
    events = list(DecodePool(1, size=1000).run([_Job(files[1], None, tuple(range(5)), "v")]))
    assert [e[3].shape[0] for e in events if e[0] == "frames"] == [2, 2, 1]


def test_a_free_worker_takes_the_next_video(tmp_path):
    # one long video and six one-frame ones on 2 workers: with fixed shares (round robin)
    # the worker holding the long video would still owe videos 2, 4 and 6 after it
    long = write_video(tmp_path / "long.avi",
                       np.random.default_rng(1).integers(0, 255, (400, 240, 320, 3),
                                                         dtype=np.uint8))
    short = write_video(tmp_path / "short.avi", np.zeros((1, 8, 8, 3), np.uint8))
    jobs = [_Job(str(long), None, tuple(range(400)), "long")]
    jobs += [_Job(str(short), None, (0,), f"short{i}") for i in range(6)]
    done = [e[1] for e in DecodePool(2).run(jobs) if e[0] == "done"]
    assert sorted(done) == list(range(7))
    assert done[-1] == 0


def test_the_longest_video_is_decoded_first(files):
    # files[2] has the most frames: taken first, it cannot be the one a worker ends alone on
    jobs = [_Job(f, None, tuple(range(20 + 7 * v)), f) for v, f in enumerate(files)]
    jobs.append(_Job(np.full((3, 8, 8, 3), 1, np.uint8), None, (0, 2), "in memory"))
    done = [e[1] for e in DecodePool(1).run(jobs) if e[0] == "done"]
    assert done == [2, 1, 0, 3]


def _workers():
    """``{pid: start time}`` of the decode workers: the fork server's children."""
    server = [p for p, (ppid, _, _) in _processes().items() if ppid == os.getpid()
              and "forkserver" in open(f"/proc/{p}/cmdline").read()]
    return _descendants(server[0]) if server else {}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_are_kept_between_runs_until_shut_down(files):
    jobs = [_Job(f, None, tuple(range(20 + 7 * v)), f) for v, f in enumerate(files)]
    first = [e for e in DecodePool(2, size=8).run(jobs) if e[0] == "frames"]
    workers = _workers()
    assert len(workers) == 2
    # the same processes decode the next run, with another size and other jobs
    second = [e for e in DecodePool(2, size=5).run(jobs[:2]) if e[0] == "frames"]
    assert _workers() == workers
    assert {e[3].shape[1:] for e in first} == {(8, 8, 3)}
    assert {e[3].shape[1:] for e in second} == {(5, 5, 3)}
    assert sum(len(e[3]) for e in second) == 20 + 27
    # another number of workers is another set, also kept
    list(DecodePool(1).run(jobs[:1]))
    assert len(_workers()) == 3
    shutdown_decode_workers()
    assert not _poll(lambda: _still_running(workers), 10)
    assert not _poll(_workers, 10)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_run_that_ends_early_does_not_keep_its_workers(files):
    jobs = [_Job(files[2], None, tuple(range(34)), f"v{i}") for i in range(50)]
    events = DecodePool(2).run(jobs)
    assert next(events)[0] == "frames"
    workers = _workers()
    events.close()  # 49 jobs still queued: these workers are never used again
    assert not _poll(lambda: _still_running(workers), 10)
    # a new run gets its own jobs only, from new workers
    events = list(DecodePool(2).run(jobs[:2]))
    assert sorted(e[1] for e in events if e[0] == "done") == [0, 1]
    assert sum(len(e[3]) for e in events if e[0] == "frames") == 2 * 34
    assert not set(_workers()) & set(workers)


def test_runs_in_two_threads_at_once_each_get_their_own_frames(files):
    from concurrent.futures import ThreadPoolExecutor

    def frames(v):  # one thread's run: its 3 jobs' frames, each job's chunks in order
        job = _Job(files[v], None, tuple(range(20 + 7 * v)), files[v])
        parts = {j: [] for j in range(3)}
        for kind, j, _, chunk in DecodePool(2).run([job] * 3):
            if kind == "frames":
                parts[j].append(chunk)
        return [np.concatenate(p) for p in parts.values()]

    # the second run finds the kept workers busy and starts its own
    with ThreadPoolExecutor(2) as threads:
        got = list(threads.map(frames, [0, 2]))
    for v, videos in zip([0, 2], got):
        assert all(np.array_equal(frames, read_video(files[v])) for frames in videos)


def test_a_consumer_that_stops_early_leaves_no_block_behind(files):
    before = set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else None
    jobs = [_Job(files[2], None, tuple(range(34)), f"v{i}") for i in range(300)]
    events = DecodePool(2).run(jobs)
    assert next(events)[0] == "frames"
    if sys.platform.startswith("linux"):  # the fork server's children: the 2 workers
        server = [p for p, (ppid, _, _) in _processes().items() if ppid == os.getpid()
                  and "forkserver" in open(f"/proc/{p}/cmdline").read()]
        workers = _descendants(server[0])
        assert len(workers) == 2
    events.close()  # must neither hang on the 300 queued jobs nor leak shared memory
    if sys.platform.startswith("linux"):
        assert not _poll(lambda: _still_running(workers), 10)
    if before is not None:
        new = set(os.listdir("/dev/shm")) - before
        assert not {n for n in new if n.startswith(("psm_", "torch_"))}



@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_worker_is_an_error_not_a_hang(files):
    jobs = [_Job(files[2], None, tuple(range(34)), f"v{i}") for i in range(1000)]
    events = DecodePool(2).run(jobs)
    assert next(events)[0] == "frames"
    server = [p for p, (ppid, _, _) in _processes().items() if ppid == os.getpid()
              and "forkserver" in open(f"/proc/{p}/cmdline").read()]
    workers = _descendants(server[0])
    os.kill(min(workers), signal.SIGKILL)  # as the out-of-memory killer would
    # torch's "DataLoader worker ... exited unexpectedly", or ours if it died mid-transfer
    with pytest.raises(RuntimeError, match="worker"):
        for _ in events:  # 1000 jobs: the live worker alone would take far longer
            pass
    events.close()
    assert not _poll(lambda: _still_running(workers), 10)


_LEFT_OPEN = """
import numpy as np
from skvideo_clf.features._base import _Job
from skvideo_clf.features._decode_pool import DecodePool
from skvideo_clf.video import InMemoryVideo

if __name__ == "__main__":
    # 40 jobs of 200 kB each: more than a pipe holds, most never taken by a worker
    video = InMemoryVideo(np.zeros((64, 32, 32, 3), np.uint8))
    events = DecodePool(2).run([_Job(video, None, tuple(range(64)), str(i)) for i in range(40)])
    print(next(events)[0])  # and exit, the pool never closed
"""


def test_a_script_that_leaves_the_pool_open_still_exits(tmp_path):
    script = tmp_path / "left_open.py"
    script.write_text(_LEFT_OPEN)
    # a hang (waiting at exit to send the jobs nobody will take) would hit the timeout
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "frames"

_SCRIPT = """
import os, sys
import numpy as np
from skvideo_clf.features._base import _Job
from skvideo_clf.features._decode_pool import DecodePool
with open(sys.argv[1], "a") as log:  # every run of this script, parent or worker
    log.write(f"{os.getpid()}\\n")

def halve(frame):  # defined here: a worker needs this script to unpickle it
    return np.ascontiguousarray(frame[::2, ::2])

if __name__ == "__main__":
    jobs = [_Job(sys.argv[2], None, (0, 1), "v")]
    size = halve if sys.argv[3] == "script" else 4
    shapes = [e[3].shape for e in DecodePool(2, size=size).run(jobs * 2) if e[0] == "frames"]
    print(shapes)
"""


@pytest.mark.parametrize("size_from", ["library", "script"])
def test_workers_rerun_the_main_script_only_when_they_need_it(files, tmp_path, size_from):
    script, log = tmp_path / "run.py", tmp_path / "runs.log"
    script.write_text(_SCRIPT)
    out = subprocess.run([sys.executable, str(script), str(log), files[0], size_from],
                         capture_output=True, text=True, timeout=120, check=True).stdout
    runs = log.read_text().split()
    if size_from == "library":
        assert out.strip() == "[(2, 4, 4, 3), (2, 4, 4, 3)]"
        assert len(runs) == 1  # the parent alone: workers did not run the script again
    else:
        assert out.strip() == "[(2, 8, 12, 3), (2, 8, 12, 3)]"
        assert len(runs) == 3  # the parent and both workers (to unpickle halve)


def test_thread_budget_never_exceeds_the_cores():
    for cores in (1, 2, 3, 8, 16):
        for n_dec in (1, 2, 4):
            dec, net = thread_budget(n_dec, n_cores=cores)
            assert dec >= 1 and net >= 1
            assert dec * n_dec + net <= max(cores, n_dec + 1)


def test_counts_are_kept_in_the_frame_cache(files, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    FunctionFrameTransformer(_colour, sequence_length=4, memory=str(cache)).fit_transform(files)
    video_info.cache_clear()  # as a new process would start

    def no_counting(*args, **kwargs):
        raise AssertionError("counted again")

    monkeypatch.setattr(_counts, "_count", no_counting)
    tf = FunctionFrameTransformer(_colour, sequence_length=3, memory=str(cache))
    assert tf.fit_transform(files).shape == (3, 3, 3)  # new frames, counts from the cache


def test_keyframe_mode_reads_keyframes_only(tmp_path):
    from video.test_seek import _h264

    path = _h264(tmp_path / "k.mp4", n=100, gop=25)
    # uniform 5 of 100 -> 0, 25, 50, 74, 99 -> nearest keyframes 0, 25, 50, 75, 75
    expected = _colour(read_video(path, [0, 25, 50, 75, 75]))
    tf = FunctionFrameTransformer(_colour, sequence_length=5, seek="keyframe")
    with pytest.warns(UserWarning, match="reader='pyav'"):  # OpenCV: slow, says how not to be
        assert np.allclose(tf.fit_transform([path])[0], expected)
    decoded = []
    real_next = _pyav.PyAVDecoder._next

    def counting(self):
        frame = real_next(self)
        decoded.append(frame is not None)
        return frame

    tf.set_params(reader="pyav")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(_pyav.PyAVDecoder, "_next", counting)
            assert np.allclose(tf.fit_transform([path])[0], expected)
    # frame 0, then one frame per keyframe landed on: nothing of the intervals between
    assert sum(decoded) == 4
    exact = FunctionFrameTransformer(_colour, sequence_length=5).fit_transform([path])[0]
    assert not np.allclose(exact, expected)


_FEATURIZE = """
import os, sys, time
import numpy as np
from skvideo_clf.features import FunctionFrameTransformer, shutdown_decode_workers

def slow_colour(frames):  # the network is slow: the workers decode ahead and wait
    with open(sys.argv[1], "a") as flag:
        flag.write("computing\\n")
    time.sleep(0.5)
    return frames.reshape(len(frames), -1, 3).mean(axis=1)

if __name__ == "__main__":
    tf = FunctionFrameTransformer(slow_colour, sequence_length=40, n_decoders=2)
    tf.fit_transform(sys.argv[2:])
"""


def _processes():
    """``{pid: (parent pid, state, start time)}`` of every process, from ``/proc``."""
    found = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:  # ended meanwhile
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # after the command's name
        found[int(name)] = (int(fields[1]), fields[0], fields[19])
    return found


def _descendants(pid):
    """``{pid: start time}`` of the processes started by ``pid``, their children, ..."""
    table = _processes()
    found, todo = {}, [pid]
    while todo:
        parent = todo.pop()
        for child, (ppid, _, start) in table.items():
            if ppid == parent and child not in found:
                found[child] = start
                todo.append(child)
    return found


def _still_running(procs):
    """Those of ``{pid: start time}`` alive (a zombie has ended; a new start time is
    another process under a reused pid)."""
    table = _processes()
    return sorted(pid for pid, start in procs.items()
                  if pid in table and table[pid][2] == start and table[pid][1] != "Z")


def _shm_held():
    """Names in /dev/shm that a running process maps or holds open."""
    held = set()
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        with contextlib.suppress(OSError):
            with open(f"/proc/{name}/maps") as f:
                held.update(line.split("/dev/shm/", 1)[1].split()[0]
                            for line in f if "/dev/shm/" in line)
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"/proc/{name}/fd"):
                with contextlib.suppress(OSError):
                    target = os.readlink(f"/proc/{name}/fd/{fd}")
                    if target.startswith("/dev/shm/"):
                        held.add(target[len("/dev/shm/"):].split()[0])
    return held


def _poll(condition, seconds):
    """``condition()`` until it is falsy or ``seconds`` passed; its last value."""
    deadline = time.monotonic() + seconds
    while (value := condition()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return value


@pytest.mark.skipif(not sys.platform.startswith("linux") or not os.path.isdir("/dev/shm"),
                    reason="reads /proc and /dev/shm")
def test_a_killed_featurizer_leaves_no_worker_and_no_shared_memory(tmp_path):
    rng = np.random.default_rng(0)
    paths = [str(write_video(tmp_path / f"v{v}.avi",
                             rng.integers(0, 255, (40, 16, 24, 3), dtype=np.uint8)))
             for v in range(6)]
    script, flag = tmp_path / "featurize.py", tmp_path / "computing"
    script.write_text(_FEATURIZE)
    shm_before = set(os.listdir("/dev/shm"))
    proc = subprocess.Popen([sys.executable, str(script), str(flag), *paths],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        # mid-way: the network has frames, the workers decode ahead of it
        if _poll(lambda: proc.poll() is None and not flag.exists(), 120):
            pytest.fail("the featurizer did not start in 120 s")
        assert proc.poll() is None, proc.stderr.read().decode()
        started = _descendants(proc.pid)
        shm_during = set(os.listdir("/dev/shm")) - shm_before
    finally:
        proc.kill()  # SIGKILL: no handler, no atexit, no finally runs
        proc.wait()
    # the 2 workers, the fork server and the resource tracker at least
    assert len(started) >= 4, started
    assert not _poll(lambda: _still_running(started), 10)

    def orphans():
        # blocks created meanwhile that nobody holds: another program's live ones are held
        # (and folders, such as joblib's, hold no memory themselves)
        new = {n for n in set(os.listdir("/dev/shm")) - shm_before
               if os.path.isfile(os.path.join("/dev/shm", n))}
        return new - _shm_held() if new else set()

    left = _poll(orphans, 10)
    # an entry made and dropped by another program in these seconds would be gone by now;
    # one of the killed process's stays
    assert not left, (left, shm_during)


def test_chunk_buffers_are_written_again_only_once_given_back():
    import queue

    import torch

    from skvideo_clf.features._decode_loader import N_BUFFERS, ChunkBuffers, StopDecoding

    returned = queue.Queue()
    buffers = ChunkBuffers(returned, worker=1)
    taken = [buffers.take((4, 4, 3), torch.uint8) for _ in range(N_BUFFERS)]
    assert [tag for tag, _ in taken] == [(1, 1, i) for i in range(N_BUFFERS)]
    assert all(t.is_shared() and t.shape[1:] == (4, 4, 3) for _, t in taken)
    # all out: the next take waits for one back, and gets that very buffer
    returned.put((1, 2))
    tag, again = buffers.take((4, 4, 3), torch.uint8)
    assert tag == (1, 1, 2) and again.data_ptr() == taken[2][1].data_ptr()
    # another frame size: new buffers; those of the old size given back are not reused
    tag, other = buffers.take((8, 8, 3), torch.uint8)
    assert tag == (1, 2, 0) and other.shape[1:] == (8, 8, 3)
    returned.put((1, 0))
    assert buffers.take((8, 8, 3), torch.uint8)[0] == (1, 2, 1)
    # a consumer that stops: a worker waiting for a buffer stops waiting
    for _ in range(N_BUFFERS - 2):
        buffers.take((8, 8, 3), torch.uint8)
    returned.put(None)
    with pytest.raises(StopDecoding):
        buffers.take((8, 8, 3), torch.uint8)


def test_frames_stay_whole_while_the_consumer_holds_them(files):
    # 1 worker, far more chunks than it has buffers: every chunk is written into a reused
    # buffer, while this consumer keeps every frame it was given until the end
    jobs = [_Job(files[v % 3], None, tuple(range(20 + 7 * (v % 3))), str(v))
            for v in range(12)]
    held = {}
    for kind, j, k0, frames in DecodePool(1).run(jobs):
        if kind == "frames":
            held.setdefault(j, []).append((k0, frames))
    for j, job in enumerate(jobs):
        got = np.concatenate([f for _, f in sorted(held[j], key=lambda p: p[0])])
        assert np.array_equal(got, read_video(job.source)), j
