#!/usr/bin/env bash
# GUI benchmarks under Xvfb (Mesa llvmpipe, software OpenGL): frame time with a 512 x 512 weights
# heatmap and H = 8 (idle, and panning so the map re-renders every frame), and the edit-to-redraw
# latency at N = 256 (one Q value changes every frame: recompute + upload + draw).
# Usage: tests/bench/gui_bench.sh [build-folder]   (default: build). Prints one JSON line per run.
set -euo pipefail
build=${1:-build}
bin="$build/app/attnscope"
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
