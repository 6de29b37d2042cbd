# A one-node Slurm cluster on this machine (Debian's slurm-wlm + munge), for the tests that submit,
# cancel and resume a study as a job array. Sourced by .ci/run; safe to source again (what already
# runs is left alone). Exports TUNEBOOK_SLURM=1 when the node is idle, otherwise prints why, exports
# TUNEBOOK_SLURM_SKIP=<reason> for the tests to name, and returns non-zero.

tunebook_slurm_fail() {
  echo "slurm: $1" >&2
  export TUNEBOOK_SLURM_SKIP="$1"
  unset TUNEBOOK_SLURM
  return 1
}

tunebook_slurm_start() {
  local host cpus mem_kb mem_mb conf=/etc/slurm/slurm.conf tmp i state
  local marker="# written by tunebook .ci/services/20-slurm.sh"
  for bin in munged munge unmunge slurmctld slurmd sinfo sbatch scontrol; do
    command -v "$bin" >/dev/null 2>&1 || { tunebook_slurm_fail "$bin is not installed (Debian packages slurm-wlm and munge)"; return 1; }
  done
  [ "$(id -u)" = 0 ] || { tunebook_slurm_fail "starting munged, slurmctld and slurmd needs root"; return 1; }

  # munge: a key (1,024 random bytes, owner munge, mode 400) and munged running as user munge.
  mkdir -p /etc/munge /run/munge /var/lib/munge /var/log/munge
  if [ ! -s /etc/munge/munge.key ]; then
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  fi
  chown munge:munge /etc/munge /etc/munge/munge.key /run/munge /var/lib/munge /var/log/munge
  chmod 700 /etc/munge
  chmod 400 /etc/munge/munge.key
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    runuser -u munge -- /usr/sbin/munged 2>/tmp/tunebook-munged.err || true
    for i in $(seq 1 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.25; done
    munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || { tunebook_slurm_fail "munged did not start: $(tail -n 3 /tmp/tunebook-munged.err /var/log/munge/munged.log 2>/dev/null | tr '\n' ' ')"; return 1; }
  fi

  # slurm.conf for this one node: its real name, CPUs and about 80% of its memory.
  host=$(hostname -s)
  cpus=$(nproc)
  mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
  mem_mb=$((mem_kb * 8 / 10 / 1024))
  mkdir -p /etc/slurm /var/spool/slurmctld /var/spool/slurmd /var/log/slurm
  tmp=$(mktemp)
  cat >"$tmp" <<EOF
$marker
ClusterName=tunebook
SlurmctldHost=$host
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
SchedulerParameters=sched_interval=2
MaxArraySize=10001
NodeName=$host CPUs=$cpus RealMemory=$mem_mb State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
EOF
  if [ -s "$conf" ] && ! grep -qF "$marker" "$conf"; then
    rm -f "$tmp"
    echo "slurm: keeping the existing $conf (not written by this script)"
  elif ! cmp -s "$tmp" "$conf"; then
    install -m 644 "$tmp" "$conf"
    rm -f "$tmp"
    # A controller already running with an older file picks up the new one.
    scontrol ping >/dev/null 2>&1 && scontrol reconfigure >/dev/null 2>&1 || true
  else
    rm -f "$tmp"
  fi

  if ! scontrol ping 2>/dev/null | grep -q "is UP"; then
    /usr/sbin/slurmctld 2>/tmp/tunebook-slurmctld.err || { tunebook_slurm_fail "slurmctld did not start: $(tail -n 3 /tmp/tunebook-slurmctld.err /var/log/slurm/slurmctld.log 2>/dev/null | tr '\n' ' ')"; return 1; }
    for i in $(seq 1 40); do scontrol ping 2>/dev/null | grep -q "is UP" && break; sleep 0.25; done
  fi
  if ! [ -s /run/slurmd.pid ] || ! kill -0 "$(cat /run/slurmd.pid)" 2>/dev/null; then
    /usr/sbin/slurmd 2>/tmp/tunebook-slurmd.err || { tunebook_slurm_fail "slurmd did not start: $(tail -n 3 /tmp/tunebook-slurmd.err /var/log/slurm/slurmd.log 2>/dev/null | tr '\n' ' ')"; return 1; }
  fi

  # Wait until the node is idle (or already busy with jobs): up to 30 s.
  for i in $(seq 1 60); do
    state=$(sinfo -h -N -n "$host" -o %t 2>/dev/null | head -n 1)
    case "$state" in idle | mix | alloc | comp) break ;; esac
    # A node left down/drained by an earlier crash is returned to service.
    case "$state" in down* | drain* | drng*) scontrol update nodename="$host" state=resume >/dev/null 2>&1 || true ;; esac
    sleep 0.5
  done
  case "$state" in
    idle | mix | alloc | comp) ;;
    *) tunebook_slurm_fail "node $host is '${state:-unknown}' instead of idle after 30 s: $(tail -n 3 /var/log/slurm/slurmd.log /var/log/slurm/slurmctld.log 2>/dev/null | tr '\n' ' ')"; return 1 ;;
  esac
  echo "slurm: node $host is $state ($cpus CPUs, ${mem_mb} MB)"
  export TUNEBOOK_SLURM=1
  unset TUNEBOOK_SLURM_SKIP
}

tunebook_slurm_start
