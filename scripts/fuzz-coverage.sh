#!/usr/bin/env bash
# Which lines of the parsers the fuzzers' corpora reach: builds the fuzz targets with clang's
# source-based coverage in build-fuzz-cov, runs each once over its corpus (build-fuzz/corpus/,
# grown by scripts/fuzz.sh) and prints llvm-cov's summary of the src/ files compiled into it.
# Usage: scripts/fuzz-coverage.sh   (FUZZ_TARGETS as for fuzz.sh; --show prints annotated
# sources of what was never reached)
set -euo pipefail
cd "$(dirname "$0")/.."
read -r -a targets <<<"${FUZZ_TARGETS:-packet_decoders ws_frame multipart image_probe json_reader byte_range}"
cxx=$(command -v clang++-14 || command -v clang++)
profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
cov=$(command -v llvm-cov-14 || command -v llvm-cov)

dir=build-fuzz-cov
mkdir -p "$dir"
cmake -S . -B "$dir" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCHATD_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" >"$dir/configure.log" 2>&1 ||
  { cat "$dir/configure.log"; exit 1; }
cmake --build "$dir" -j"$(nproc)" --target "${targets[@]/%/_fuzz}" >/dev/null

for t in "${targets[@]}"; do
  corpus=build-fuzz/corpus/$t
  [[ -d "$corpus" ]] || { echo "$t: no corpus (run scripts/fuzz.sh first)"; continue; }
  rm -f "$dir/$t".profraw
  LLVM_PROFILE_FILE="$dir/$t.profraw" "$dir/fuzz/${t}_fuzz" -runs=0 "$corpus" >/dev/null 2>&1
  "$profdata" merge -sparse "$dir/$t.profraw" -o "$dir/$t.profdata"
  echo "== $t ($(find "$corpus" -type f | wc -l) inputs)"
  "$cov" report "$dir/fuzz/${t}_fuzz" -instr-profile="$dir/$t.profdata" src/ |
    sed -e "s|$PWD/||"
  if [[ "${1:-}" == --show ]]; then
    "$cov" show "$dir/fuzz/${t}_fuzz" -instr-profile="$dir/$t.profdata" -show-line-counts-or-regions \
      -region-coverage-lt=100 src/ | sed -e "s|$PWD/||"
  fi
done
