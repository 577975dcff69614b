#!/usr/bin/env bash
# Peak memory and time of `plans check`, `validate` and a full `build` of the 2024 sample:
# clean, with each hostile planning workbook of tests/it/input_limits.rs alone, and with all
# five at once (a value in XFD1048576, a 1.5 GB string in an .xlsx, an .ods whose content.xml
# inflates to 1.5 GB, an external entity, a billion laughs), each laid over one LA's
# workbook. Not part of the tests.
#
#   bash bench/hostile.sh                                # this checkout's release binary
#   BIN=/path/to/census-reports bash bench/hostile.sh    # another binary (an older release)
#   LIMIT=$((8*1024*1024*1024)) bash bench/hostile.sh    # each command under `prlimit --as`
#   ONLY="clean all" bash bench/hostile.sh               # some of the rows
#
# Needs /usr/bin/time (Debian package `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=${BIN:-$PWD/target/release/census-reports}
LIMIT=${LIMIT:-}
KINDS=(far_cell string_bomb ods_bomb external_entity billion_laughs)
LAS=(E06000001 E06000002 E06000003 E06000004 E06000005)
ONLY=${ONLY:-"clean ${KINDS[*]} all"}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$WORK/files"
HOSTILE_WORKBOOKS_OUT=$WORK/files HOSTILE_WORKBOOKS_LAS=$(IFS=,; echo "${LAS[*]}") \
  cargo test --release --quiet --test it -- --ignored --exact \
  input_limits::write_hostile_workbooks_for_the_benchmark >/dev/null
ls -l "$WORK"/files/ >&2

# census ROW: a copy of the sample with ROW's hostile workbooks laid over (none for clean).
census() {
  local row=$1 dir=$WORK/data-$1
  rm -rf "$dir" && cp -r sample-data "$dir"
  for i in "${!KINDS[@]}"; do
    if [ "$row" = all ] || [ "$row" = "${KINDS[$i]}" ]; then
      rm -f "$dir/2024/expansion_plans/${LAS[$i]}.xlsx"
      cp "$WORK"/files/"${LAS[$i]}".* "$dir/2024/expansion_plans/"
    fi
  done
  echo "$dir/2024"
}

echo "| workbooks | command | exit | wall s | peak RSS MB | findings naming a hostile workbook |"
echo "|---|---|---|---|---|---|"
for row in $ONLY; do
  data=$(census "$row")
  for cmd in "plans check" "validate" "build"; do
    args=($cmd --data "$data")
    case $cmd in
      validate) args+=(--out "$WORK/validation") ; rm -rf "$WORK/validation" ;;
      build) args+=(--out "$WORK/out") ; rm -rf "$WORK/out" ;;
    esac
    limit=()
    [ -n "$LIMIT" ] && limit=(prlimit "--as=$LIMIT" --)
    set +e
    /usr/bin/time -f "%e %M" -o "$WORK/time" "${limit[@]}" "$BIN" "${args[@]}" >"$WORK/log" 2>&1
    code=$?
    set -e
    read -r wall rss_kb < <(tail -n 1 "$WORK/time")
    named=$(grep -cE "E0600000[1-5]\.(xlsx|ods)" "$WORK/log" || true)
    [ "$cmd" = validate ] && named=$(grep -cE "E0600000[1-5]\.(xlsx|ods)" "$WORK/validation/queries.csv" 2>/dev/null || true)
    echo "| $row | $cmd | $code | $wall | $((rss_kb / 1024)) | $named |"
  done
done
