#!/usr/bin/env bash
# GUI benchmarks under Xvfb (Mesa llvmpipe, software OpenGL): frame time with a 512 x 512 weights
# heatmap and H = 8 (idle, and panning so the map re-renders every frame), and the edit-to-redraw
# latency at N = 256 (one Q value changes every frame: recompute + upload + draw).
# Usage: tests/bench/gui_bench.sh [build-folder]   (default: build). Prints one JSON line per run.
set -euo pipefail
build=${1:-build}
bin="${ATTNSCOPE_BIN:-$build/app/attnscope}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
case_json() {  # N H dk loss
  echo "{\"schema_version\": 1, \"config\": {\"mode\": \"direct\", \"mask\": \"causal\", \"H\": $2, \"N\": $1, \"dk\": $3},
         \"inputs\": {\"random\": {\"seed\": 1}}, \"loss\": {\"kind\": \"cell\", \"head\": 0, \"row\": 1, \"col\": 0}}"
}
case_json 512 8 64 > "$tmp/n512.json"
case_json 256 8 64 > "$tmp/n256.json"
run() {  # workspace mode
  HOME="$tmp" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
    xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" --workspace "$1" --width 1600 --height 1000 \
    --bench-frames 300 --bench-mode "$2" | sed "s|^{|{\"case\": \"$(basename "$1" .json)\", |"
}
run "$tmp/n512.json" idle
run "$tmp/n512.json" pan
run "$tmp/n256.json" edit

# The Model tab (issue 7). Edit -> drawn grid: the sentence changes once the last edit's results are in, and
# --log-timing prints each edit's time to a complete grid (the median is reported), for the
# shipped models at their full context (64 and 128 tokens) and for a 12-layer x 12-head model (width 384,
# random weights, written by `attnscope train --steps 1`) at 128 tokens; then the frame time while
# the 12 x 12 thumbnail grid scrolls every frame.
words="the cat sees the dog near the river . a small bird likes every old tree under the hill ."
sentence() { python3 -c "import sys; w=sys.argv[2].split(); print(' '.join(w[i % len(w)] for i in range(int(sys.argv[1]))))" "$1" "$words"; }
"$bin" train --out "$tmp/big12" --layers 12 --heads 12 --embd 384 --block 128 --steps 1 --batch 1 --examples 200 \
  --warmup 1 -q >/dev/null
model_run() {  # model-folder tokens mode [frames]
  HOME="$tmp" XDG_DATA_HOME="$tmp/data" XDG_CONFIG_HOME="$tmp/config" \
    xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" --fresh --model "$1" --text "$(sentence "$2")" --width 1600 \
    --height 1000 --bench-frames "${4:-240}" --bench-mode "$3" --log-timing 2>"$tmp/timing.log" |
    sed "s|^{|{\"model\": \"$(basename "$1")\", \"tokens\": $2, |"
  if [ "$3" = model-edit ]; then
    # The first grid includes loading the model (open -> grid); the others are edits.
    first=$({ grep 'grid complete' "$tmp/timing.log" || true; } | head -1 | sed 's/.*complete \([0-9.]*\) ms.*/\1/')
    { grep 'grid complete' "$tmp/timing.log" || true; } | tail -n +2 | sed 's/.*complete \([0-9.]*\) ms.*/\1/' | sort -n |
      awk -v m="$(basename "$1")" -v t="$2" -v f="${first:-nan}" '{v[NR]=$1} END {printf "{\"model\": \"%s\", \"tokens\": %d, \"open_to_grid_ms\": %s, \"edits\": %d, \"edit_to_grid_ms_median\": %.1f, \"max\": %.1f}\n", m, t, f, NR, NR ? v[int((NR+1)/2)] : 0, NR ? v[NR] : 0}'
  fi
}
src=$(cd "$(dirname "$0")/../.." && pwd)
model_run "$src/assets/models/words-2l4h" 64 model-edit
model_run "$src/assets/models/words-4l4h" 128 model-edit
model_run "$tmp/big12" 128 model-edit 600
model_run "$tmp/big12" 128 model-scroll
