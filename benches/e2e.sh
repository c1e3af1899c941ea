#!/usr/bin/env bash
# End-to-end figures on a generated bundle: ingest throughput (every record
# parsed into its fields, times resolved, statistics kept) next to `rg -c`
# for one literal over the same files, the full timeline, and peak RSS.
#
#   benches/e2e.sh [SIZE]          # SIZE like 1GiB (default) or 4GiB
#
# Needs: ripgrep and GNU time (apt-get install ripgrep time).
set -euo pipefail
cd "$(dirname "$0")/.."

size="${1:-1GiB}"
corpus="${CORPUS_DIR:-${TMPDIR:-/tmp}/kubeautopsy-corpus-$size}"
target="${CARGO_TARGET_DIR:-target}"

cargo build --release --bins --quiet
bin="$target/release/kubeautopsy"
[ -d "$corpus" ] || "$target/release/gen-corpus" --out "$corpus" --size "$size" --seed 7 >/dev/null
bytes=$(du -sb "$corpus" | cut -f1)
files=$(find "$corpus" -type f | wc -l)
find "$corpus" -type f -exec cat {} + >/dev/null   # warm the page cache: measure parsing, not the disk

# run LABEL CMD...: best of 3 wall times, and the peak RSS of the last run.
run() {
  local label="$1"; shift
  local best="" rss=""
  for _ in 1 2 3; do
    local out
    out=$( { /usr/bin/time -f "%e %M" "$@" >/dev/null 2>/dev/null; } 2>&1 | tail -1 )
    local secs=${out% *}
    rss=${out#* }
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; fi
  done
  awk -v l="$label" -v s="$best" -v b="$bytes" -v r="$rss" \
    'BEGIN{printf "%-34s %7.2f s  %7.2f GB/s  peak RSS %6.0f MiB\n", l, s, b/s/1e9, r/1024}'
  echo "$best" > "/tmp/kubeautopsy-e2e-$label.secs"
}

# peak_anon LABEL CMD...: peak anonymous memory (heap, stacks: what grows with
# data held, as opposed to mapped file pages, which the kernel can drop).
peak_anon() {
  local label="$1"; shift
  "$@" >/dev/null 2>&1 &
  local pid=$! peak=0 now
  while kill -0 "$pid" 2>/dev/null; do
    now=$(awk '/^RssAnon:/{print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    [ -n "$now" ] && [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.02
  done
  wait "$pid" || true
  awk -v l="$label" -v p="$peak" 'BEGIN{printf "%-34s peak anonymous memory %6.1f MiB\n", l, p/1024}'
}

echo "corpus: $corpus ($bytes bytes, $files files), $(nproc) cores"
run "ingest (inputs)" "$bin" inputs "$corpus"
run "rg -c 'unknown flag'" rg -c -a --no-ignore --hidden "unknown flag" "$corpus"
run "timeline > /dev/null" "$bin" timeline "$corpus"
peak_anon "ingest (inputs)" "$bin" inputs "$corpus"
peak_anon "timeline > /dev/null" "$bin" timeline "$corpus"
ingest=$(cat "/tmp/kubeautopsy-e2e-ingest (inputs).secs")
rg=$(cat "/tmp/kubeautopsy-e2e-rg -c 'unknown flag'.secs")
awk -v a="$ingest" -v b="$rg" 'BEGIN{printf "ingest time / rg time = %.2f\n", a/b}'
