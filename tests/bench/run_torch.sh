#!/usr/bin/env bash
# Times PyTorch (Debian's python3-torch 1.13) on the bench's computation at its strongest and
# writes the JSON that `bench --torch=<file>` reads. Usage: tests/bench/run_torch.sh [out.json]
# (default build/torch_times.json). Needs python3-torch and libopenblas0-pthread.
#   LD_LIBRARY_PATH=.../openblas-pthread  Debian's torch links libblas.so.3, by default the
#                                         reference netlib BLAS (about 4 GFLOP/s); this puts
#                                         OpenBLAS in its place
#   OMP_NUM_THREADS=1                     torch's own intra-op threads; the matmuls are threaded by
#                                         OpenBLAS (OPENBLAS_NUM_THREADS = 1 or 2, set per run by
#                                         bench_torch.py)
#   MALLOC_*_THRESHOLD_=4294967296        keeps glibc from mmapping/unmapping torch's big buffers
#                                         on every call
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-build/torch_times.json}"
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu/openblas-pthread${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export OMP_NUM_THREADS=1
export MALLOC_MMAP_THRESHOLD_=4294967296 MALLOC_TRIM_THRESHOLD_=4294967296
# /usr/bin/python3: the Debian interpreter that has python3-torch (not a pyenv/venv python3)
exec /usr/bin/python3 "$here/bench_torch.py" --output "$out" "${@:2}"
