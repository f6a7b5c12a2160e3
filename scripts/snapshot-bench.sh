#!/usr/bin/env bash
# Opening a graph from its snapshot, side by side with loading its JSON and with jq, in one run.
#
#   scripts/snapshot-bench.sh GRAPH.json [CREDQ_BINARY] [RUNS]
#
# Writes the graph's snapshot to $TMPDIR (removed at the end), then for each command prints the
# median wall time and peak memory over RUNS runs (default 3):
# jq parsing the JSON, credq answering `count credentials` from the JSON and from the snapshot,
# and the first `holders of`, `skills of`, name lookup and plan from the snapshot. Build first:
# swift build -c release --product credq. Machines here are noisy: compare within one run.
set -euo pipefail
graph=${1:?usage: snapshot-bench.sh GRAPH.json [CREDQ_BINARY] [RUNS]}
credq=${2:-.build/release/credq}
runs=${3:-3}
snapshot=${TMPDIR:-/tmp}/credq-snapshot-bench-$$.cqs
trap 'rm -f "$snapshot"' EXIT

measure() {  # NAME CMD... -> "NAME median_s peak_MiB"
  local name=$1; shift
  local times=() mems=()
  for _ in $(seq "$runs"); do
    local tf out
    tf=$(mktemp)
    /usr/bin/time -o "$tf" -f '%e %M' "$@" >/dev/null 2>&1 || true
    out=$(tail -n 1 "$tf"); rm -f "$tf"
    times+=("${out% *}"); mems+=("${out#* }")
  done
  local t m
  t=$(printf '%s\n' "${times[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  m=$(printf '%s\n' "${mems[@]}" | sort -g | sed -n "$(( (runs + 1) / 2 ))p")
  printf '%-44s %8.3f s %7d MiB\n' "$name" "$t" "$((m / 1024))"
}

echo "graph: $graph ($(( $(stat -c %s "$graph") / 1048576 )) MiB), $runs runs each, median"
measure "credq snapshot (write)" "$credq" snapshot "$graph" -o "$snapshot"
echo "snapshot: $(( $(stat -c %s "$snapshot") / 1048576 )) MiB"
# Names from the graph itself: the first credential, learner and role.
credential=$("$credq" -g "$snapshot" -f tsv -c 'credentials | limit 1 | select name' | tail -1)
learner=$("$credq" -g "$snapshot" -f tsv -c 'learners | limit 1 | select name' | tail -1)
role=$("$credq" -g "$snapshot" -f tsv -c 'roles | limit 1 | select name' | tail -1)
command -v jq >/dev/null && measure "jq empty (parse only)" jq empty "$graph"
measure "credq -g JSON: count credentials" "$credq" -g "$graph" -c 'count credentials'
measure "credq -g CQS: count credentials" "$credq" -g "$snapshot" -c 'count credentials'
measure "credq -g CQS: holders of (first)" "$credq" -g "$snapshot" -c "holders of \"$credential\""
measure "credq -g CQS: skills of (first)" "$credq" -g "$snapshot" -c "skills of \"$credential\""
measure "credq -g CQS: name lookup (first)" "$credq" -g "$snapshot" -c "credentials where name = \"$credential\" | select id"
measure "credq -g CQS: stacks toward (first)" "$credq" -g "$snapshot" -c "stacks toward \"$role\" for \"$learner\" limit 1"
