#!/usr/bin/env bash
# Starts a private single-node Slurm cluster (munged, slurmctld, slurmd on this
# host) whose files all live in DIR, for the sweep tests. Prints the line
#   export SLURM_CONF=DIR/slurm.conf
# that sbatch and squeue need; stop it with tests/slurm/stop_slurm.sh DIR.
# Exits 77 with the reason on stderr where this machine cannot run it (no
# slurm-wlm, not root, daemons that do not come up).
set -euo pipefail
dir=$(realpath -m "${1:?usage: start_slurm.sh DIR}")
skip() {
  echo "cannot start Slurm here: $*" >&2
  bash "$(dirname "$0")/stop_slurm.sh" "$dir" >/dev/null 2>&1  # what did start
  exit 77
}
for tool in munged mungekey slurmctld slurmd sbatch squeue scontrol; do
  command -v "$tool" >/dev/null || [ -x "/usr/sbin/$tool" ] || skip "$tool is missing (install slurm-wlm)"
done
[ "$(id -u)" -eq 0 ] || skip "the daemons must run as root (slurmd starts jobs as their user)"
PATH=$PATH:/usr/sbin
mkdir -p "$dir"/{state,spool,munge}
chmod 700 "$dir/munge"
host=$(hostname -s)
cpus=$(nproc)
memory=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 - 512 ))
port=$(( 20000 + RANDOM % 20000 ))

# MUNGE authenticates the daemons to each other; a private key and socket.
[ -f "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key" >/dev/null 2>&1 \
  || skip "mungekey failed"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/socket" \
  --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" --seed-file="$dir/munge/seed" \
  || skip "munged did not start: $(tail -3 "$dir/munge/munged.log" 2>/dev/null)"

cat > "$dir/slurm.conf" <<CONF
ClusterName=somnus-test
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/socket
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
KillWait=30
MinJobAge=300
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -f "$SLURM_CONF" || skip "slurmctld did not start: $(tail -3 "$dir/slurmctld.log" 2>/dev/null)"
slurmd -f "$SLURM_CONF" || skip "slurmd did not start: $(tail -3 "$dir/slurmd.log" 2>/dev/null)"
state=none
for _ in $(seq 60); do
  state=$(sinfo -h -n "$host" -o %t 2>/dev/null || true)
  [ "$state" = "idle" ] && break
  sleep 1
done
[ "$state" = "idle" ] || skip "the node did not become idle (state: ${state:-none}); see $dir/slurmctld.log and $dir/slurmd.log"
# A job must run, not only be accepted: some containers let the daemons start but not launch jobs.
probe=$(sbatch --parsable -o "$dir/probe.out" --wrap "echo ran" 2>&1) || skip "sbatch failed: $probe"
for _ in $(seq 60); do
  grep -q ran "$dir/probe.out" 2>/dev/null && { echo "export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.5
done
skip "a test job did not run within 30 s; see $dir/slurmd.log"
