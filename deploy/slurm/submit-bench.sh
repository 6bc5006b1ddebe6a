#!/bin/bash
# Queues the shard array, then the merge once every task succeeded (afterok).
set -euo pipefail
cd "$(dirname "$0")/../.."
mkdir -p t2ir-bench-runs/logs
export RUNS=${RUNS:-t2ir-bench-runs/geneval} IMAGES=${IMAGES:-images/geneval}
array=$(sbatch --parsable --export=ALL deploy/slurm/bench-array.sbatch)
sbatch --dependency=afterok:"${array%%;*}" --job-name=t2i-bench-merge --output=t2ir-bench-runs/logs/merge-%j.out \
  --export=ALL --wrap 'npx t2ir bench merge "$RUNS/merged" "$RUNS"/shard-0 "$RUNS"/shard-1 "$RUNS"/shard-2 "$RUNS"/shard-3 --json'
