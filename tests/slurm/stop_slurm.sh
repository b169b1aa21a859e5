#!/usr/bin/env bash
# Stops the cluster tests/slurm/start_slurm.sh DIR started.
dir=$(realpath -m "${1:?usage: stop_slurm.sh DIR}")
for pidfile in "$dir/slurmd.pid" "$dir/slurmctld.pid" "$dir/munge/munged.pid"; do
  [ -f "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null
done
sleep 1
exit 0
