#!/usr/bin/env bash
# Benchmarks census-reports on this machine and prints a Markdown table, then one JSON line
# per figure. Not part of the test run: it takes several minutes (the 10x census alone is
# about 4,000 reports).
#
#   bash bench/run.sh            # 2024 sample, rebuild scenarios, then 4x and 10x censuses
#   SCALES="4" bash bench/run.sh # choose the synthetic scales (empty for none)
#
# Needs /usr/bin/time (Debian package `time`) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
SCALES=${SCALES-"4 10"}
JOBS=${JOBS:-$(nproc)}
cargo build --release --quiet
BIN=$PWD/target/release/census-reports
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# run LABEL ARGS… : runs the binary cold, records wall time, peak RSS and the build's timings.
run() {
  local label=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$BIN" "$@" --timings "$WORK/t.json" >"$WORK/log" 2>&1 || {
    echo "failed: $label"; cat "$WORK/log"; exit 1; }
  read -r wall rss_kb <"$WORK/time"
  python3 - "$label" "$wall" "$rss_kb" "$WORK/t.json" <<'PY' >>"$WORK/rows"
import json, sys
label, wall, rss_kb, path = sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t = json.load(open(path))
n = t["reports_built"]
per = wall / n * 1000 if n else 0.0
row = {"scenario": label, "wall_s": wall, "reports_built": n, "reports_unchanged": t["reports_unchanged"],
       "reports_per_s": n / wall if wall else 0.0, "ms_per_report": per, "peak_rss_mb": rss_kb / 1024,
       **{k: t[k] for k in ("jobs", "load_s", "validate_s", "metrics_s", "charts_and_document_s", "typeset_s", "pdf_export_s", "html_s", "write_s")}}
print(json.dumps(row))
PY
}

echo "benchmarking with $JOBS worker(s) in $WORK" >&2
DATA=$WORK/data
cp -r sample-data "$DATA"
run "2024 sample, full build" build --data "$DATA/2024" --out "$WORK/out" --jobs "$JOBS"
run "no-op rebuild" build --data "$DATA/2024" --out "$WORK/out" --jobs "$JOBS"
# One provider's fix: three more drug and alcohol workers.
python3 - "$DATA/2024/workforce.csv" <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().split("\n")
for i, line in enumerate(lines):
    if line.startswith("P0001,drug_alcohol_worker,"):
        cells = line.split(","); cells[2] = str(int(cells[2]) + 3); lines[i] = ",".join(cells); break
open(path, "w").write("\n".join(lines))
PY
run "one-provider-fix rebuild" build --data "$DATA/2024" --out "$WORK/out" --jobs "$JOBS"
run "single --only report" build --data "$DATA/2024" --out "$WORK/out" --jobs "$JOBS" --only P0002 --force

for k in $SCALES; do
  mkdir -p "$WORK/x$k"
  for y in 2022 2023 2024; do "$BIN" sample --year "$y" --scale "$k" --out "$WORK/x$k/$y" >/dev/null; done
  run "${k}x census, full build" build --data "$WORK/x$k/2024" --out "$WORK/out-x$k" --jobs "$JOBS"
done

python3 - "$WORK/rows" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| scenario | wall s | reports built | unchanged | reports/s | ms/report | peak RSS MB | load s | validate s | metrics s | charts+doc s* | typeset s* | PDF export s* | write s* |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['scenario']} | {r['wall_s']:.1f} | {r['reports_built']} | {r['reports_unchanged']} | {r['reports_per_s']:.1f} | {r['ms_per_report']:.0f} | {r['peak_rss_mb']:.0f} | {r['load_s']:.2f} | {r['validate_s']:.2f} | {r['metrics_s']:.2f} | {r['charts_and_document_s']:.1f} | {r['typeset_s']:.1f} | {r['pdf_export_s']:.1f} | {r['write_s']:.1f} |")
print("\n*summed over workers (CPU seconds), not wall time\n")
for r in rows:
    print(json.dumps(r))
PY
