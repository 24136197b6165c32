#!/usr/bin/env bash
# The SDK beside a peer client on the same work: python-workfront (PyPI) and
# this SDK each list the same 100 000 users from the same Workfront simulator
# (its own process, latency L per request). Makes its own venv.
#   bash bench/peer/run.sh            # L = 50 ms
#   LATENCY_MS=0 bash bench/peer/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
latency=${LATENCY_MS:-50}
users=${USERS:-100000}
runs=${RUNS:-3}

if [ ! -x target/peer-venv/bin/python ]; then
  python3 -m venv target/peer-venv
  target/peer-venv/bin/pip install --quiet --disable-pip-version-check "python-workfront==0.8.0"
fi
cargo build --quiet --release -p identity-bench --bin bench

coproc SIM { exec ./target/release/bench serve --vendor workfront --users "$users" --latency-ms "$latency"; }
trap 'kill "$SIM_PID" 2>/dev/null || true' EXIT
read -r base <&"${SIM[0]}"
echo "simulator at $base, $users users, L = $latency ms; median of $runs runs" >&2

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peer=$(for _ in $(seq "$runs"); do
  target/peer-venv/bin/python bench/peer/workfront_peer.py "$base" sandbox-api-key | awk '{print $2 * 1000}'
done | median)
echo "| python-workfront 0.8.0, sequential | ${peer%.*} ms |"
for c in 1 8; do
  ours=$(for _ in $(seq "$runs"); do
    ./target/release/bench list-workfront --base "$base" --concurrency "$c" | awk '{print $2}'
  done | median)
  ratio=$(awk -v p="$peer" -v o="$ours" 'BEGIN {printf "%.2f", p / o}')
  echo "| identity-sdk, concurrency $c | $ours ms | python / sdk = $ratio |"
done
