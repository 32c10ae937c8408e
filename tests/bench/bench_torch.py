#!/usr/bin/env python3
"""Times PyTorch on the computation of tests/bench/bench_attention.cpp, for the README table.

Direct-mode multi-head attention, float32, H = 12 heads, dk = dv = 64, N = M in
{64, 128, 256, 512, 1024, 2048}, no mask, scale 1/8:
    S = scale * Q K^T  (one batched matmul over heads, torch.baddbmm with beta = 0)
    A = softmax(S, -1);  O = A V
forward under torch.inference_mode(), forward+backward with autograd (O.backward(dO) gives
dQ, dK, dV). Inputs are (H, N, dk) contiguous tensors, the layout batched matmul likes best.

Run it through tests/bench/run_torch.sh, which sets up Debian's python3-torch 1.13 at its
strongest; by hand that is:
    LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread   # OpenBLAS, not netlib BLAS
    OMP_NUM_THREADS=1                                             # torch's own ops: 1 thread
    OPENBLAS_NUM_THREADS=<1 or 2>                                 # matmuls: set per run below
    MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296   # no mmap/trim churn
Debian's torch links the reference BLAS by default (about 4 GFLOP/s); with OpenBLAS on 2
threads forward+backward at N = 1024 takes about 130 ms on the 2-core Zen 3 machine.

Every (threads, N) runs in a fresh child process (OPENBLAS_NUM_THREADS must be set before
the library loads, and the peak-memory figure is then that run's own). The parent writes
JSON: {"env": {...}, "results": [{"N", "threads", "fwd_ms", "fwdbwd_ms", "fwd_peak_mb",
"fwdbwd_peak_mb"}, ...]}; times are the minimum over repetitions (as in the C++ bench; the
whole sweep runs --rounds times, 3 by default, so a busy moment on the shared machine does not
decide a figure), peak MB is the resident-set high-water mark minus the RSS before the inputs
were made.
"""
import argparse
import json
import os
import subprocess
import sys
import time

SIZES = [64, 128, 256, 512, 1024, 2048]
H, D = 12, 64


def rss_field(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return float(line.split()[1]) * 1024.0
    return 0.0


def reset_peak():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def time_min(fn, min_seconds=1.0, min_reps=3, max_reps=200):
    fn()  # warm-up (allocator, BLAS thread pool)
    fn()
    best, reps, t_start = float("inf"), 0, time.perf_counter()
    while reps < min_reps or (time.perf_counter() - t_start < min_seconds and reps < max_reps):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
        reps += 1
    return best * 1e3


def child(n, threads):
    import torch

    torch.manual_seed(0)
    base = rss_field("VmRSS:")
    q = torch.randn(H, n, D)
    k = torch.randn(H, n, D)
    v = torch.randn(H, n, D)
    d_o = torch.randn(H, n, D)
    scale = 1.0 / D ** 0.5
    empty = torch.empty(H, n, n)

    def forward(q, k, v):
        s = torch.baddbmm(empty, q, k.transpose(1, 2), beta=0.0, alpha=scale)
        return torch.bmm(torch.softmax(s, dim=-1), v)

    def fwd():
        with torch.inference_mode():
            forward(q, k, v)

    qg, kg, vg = (t.clone().requires_grad_(True) for t in (q, k, v))

    def fwd_bwd():
        for t in (qg, kg, vg):
            t.grad = None
        forward(qg, kg, vg).backward(d_o)

    reset_peak()
    fwd_ms = time_min(fwd)
    fwd_mb = (rss_field("VmHWM:") - base) / 1e6
    reset_peak()
    fwdbwd_ms = time_min(fwd_bwd)
    fwdbwd_mb = (rss_field("VmHWM:") - base) / 1e6
    print(json.dumps({"N": n, "threads": threads, "fwd_ms": fwd_ms, "fwdbwd_ms": fwdbwd_ms,
                      "fwd_peak_mb": fwd_mb, "fwdbwd_peak_mb": fwdbwd_mb,
                      "torch": torch.__version__, "torch_threads": torch.get_num_threads()}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--output", default="-", help="JSON file (default: stdout)")
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--threads", default="1,2", help="OPENBLAS_NUM_THREADS values to run")
    ap.add_argument("--rounds", type=int, default=3, help="sweeps; each figure is the best over them")
    ap.add_argument("--child", nargs=2, type=int, metavar=("N", "THREADS"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    env_keys = ["LD_LIBRARY_PATH", "OMP_NUM_THREADS", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"]
    best = {}
    for _ in range(args.rounds):
        for threads in map(int, args.threads.split(",")):
            for n in map(int, args.sizes.split(",")):
                env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
                out = subprocess.run([sys.executable, __file__, "--child", str(n), str(threads)], env=env,
                                     check=True, capture_output=True, text=True).stdout
                r = json.loads(out.strip().splitlines()[-1])
                print(f"threads {threads} N {n:5d}: fwd {r['fwd_ms']:9.3f} ms  fwd+bwd {r['fwdbwd_ms']:9.3f} ms  "
                      f"peak {r['fwdbwd_peak_mb']:7.1f} MB", file=sys.stderr)
                b = best.setdefault((threads, n), r)
                for k in ("fwd_ms", "fwdbwd_ms"):
                    b[k] = min(b[k], r[k])
                for k in ("fwd_peak_mb", "fwdbwd_peak_mb"):
                    b[k] = max(b[k], r[k])
    results = [best[k] for k in sorted(best)]
    doc = {"env": {k: os.environ.get(k, "") for k in env_keys}, "results": results}
    text = json.dumps(doc, indent=1)
    if args.output == "-":
        print(text)
    else:
        with open(args.output, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
