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

# run KEY LABEL CMD...: best of 3 wall times and the peak RSS (mapped file pages
# included) of the best run; the best time is kept in $results/KEY.
results=$(mktemp -d)
run() {
  local key="$1" label="$2"; shift 2
  local best="" rss="" out="$results/time"
  for _ in 1 2 3; do
    /usr/bin/time -o "$out" -f "%e %M" "$@" >/dev/null 2>&1 || true
    local secs rss_now
    read -r secs rss_now < "$out"
    if [ -z "$best" ] || awk "BEGIN{exit !($secs < $best)}"; then best=$secs; rss=$rss_now; fi
  done
  awk -v l="$label" -v s="$best" -v b="$bytes" -v r="$rss" \
    'BEGIN{printf "%-34s %7.2f s  %7.2f GB/s  peak RSS %6.0f MiB\n", l, s, b/s/1e9, r/1024}'
  echo "$best" > "$results/$key"
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
run ingest "ingest (inputs)" "$bin" inputs "$corpus"
run rg "rg -c 'unknown flag'" rg -c -a --no-ignore --hidden "unknown flag" "$corpus"
run timeline "timeline > /dev/null" "$bin" timeline "$corpus"
peak_anon "ingest (inputs)" "$bin" inputs "$corpus"
peak_anon "timeline > /dev/null" "$bin" timeline "$corpus"
ingest=$(cat "$results/ingest")
rg=$(cat "$results/rg")
awk -v a="$ingest" -v b="$rg" 'BEGIN{printf "ingest time / rg time = %.2f\n", a/b}'
