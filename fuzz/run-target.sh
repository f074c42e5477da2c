#!/usr/bin/env bash
# Runs one libFuzzer binary for a short time: first every file of the seed corpus (the
# checked-in regression inputs), then fresh inputs for SECONDS. Any crash, leak, sanitizer
# report or timeout fails; the crashing input is left in WORKDIR for a regression test.
# Usage: run-target.sh BINARY SEED_CORPUS WORKDIR SECONDS
set -euo pipefail
bin="$1" seeds="$2" work="$3" seconds="$4"
mkdir -p "${work}/corpus" "${work}/artifacts"
# Replay the seeds alone first, so a regression is reported as exactly that.
if [ -d "${seeds}" ] && [ -n "$(ls -A "${seeds}")" ]; then
  "${bin}" -runs=0 "${seeds}" 2>&1 | tail -n 3
fi
"${bin}" -max_total_time="${seconds}" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
  -artifact_prefix="${work}/artifacts/" -print_final_stats=0 \
  "${work}/corpus" ${seeds:+"${seeds}"} 2>&1 | tail -n 20
