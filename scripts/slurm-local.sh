#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Brings up a one-node Slurm on this machine, for reel's farm tests and for trying
# 'reel plan --emit slurm' without a cluster: munged, slurmctld and slurmd started by hand
# (no systemd), this host as the only node with all its cores, one partition "reel".
# Needs: Debian 12, root (it installs slurm-wlm, slurm-client and munge when missing, and
# writes /etc/slurm/slurm.conf unless one not written by this script is there).
# Idempotent: running daemons are left running. `--stop` stops the daemons this script
# started (by the PIDs it recorded) and nothing else.
# Config: proctrack/linuxproc, task/none, jobacct_gather/none, select/cons_tres and
# DependencyParameters=kill_invalid_depend (a failed array task cancels the dependent join).
# Environment: REEL_SLURM_DIR (state, spool, logs and PIDs; default /var/tmp/reel-slurm).
set -eu

dir=${REEL_SLURM_DIR:-/var/tmp/reel-slurm}
conf=/etc/slurm/slurm.conf
marker="# written by reel scripts/slurm-local.sh"

say() { echo "slurm-local: $*" >&2; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if [ "${1:-}" = "--stop" ]; then
    [ -f "$dir/started" ] || { say "nothing started by this script"; exit 0; }
    # Reverse order of starting: slurmd, slurmctld, munged.
    for name in slurmd slurmctld munged; do
        grep -qx "$name" "$dir/started" || continue
        pidfile="$dir/$name.pid"
        if alive "$pidfile"; then
            pid=$(cat "$pidfile")
            kill "$pid"
            i=0
            while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
            say "stopped $name ($pid)"
        fi
        rm -f "$pidfile"
    done
    rm -f "$dir/started"
    exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
    say "needs root (to install the packages and run the daemons)"
    exit 2
fi

missing=""
for p in slurm-wlm slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    say "installing$missing"
    apt-get update -qq >/dev/null
    # shellcheck disable=SC2086
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

mkdir -p "$dir/state" "$dir/spool" /etc/slurm /run/munge /var/lib/munge /var/log/munge
touch "$dir/started"
host=$(hostname -s)
cpus=$(nproc)
memory=$(awk '/MemTotal/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)

if [ -f "$conf" ] && ! grep -qxF "$marker" "$conf"; then
    say "$conf exists and was not written by this script: using it as it is"
else
    cat >"$conf.tmp" <<CONF
$marker
ClusterName=reel
SlurmctldHost=$host
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
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
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
DependencyParameters=kill_invalid_depend
ReturnToService=2
MpiDefault=none
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=$host CPUs=$cpus RealMemory=$memory State=UNKNOWN
PartitionName=reel Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    mv "$conf.tmp" "$conf"
fi

if [ ! -s /etc/munge/munge.key ]; then
    mkdir -p /etc/munge
    dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 2>/dev/null
    chmod 400 /etc/munge/munge.key
fi
if ! munge -n >/dev/null 2>&1; then
    munged --force --pid-file="$dir/munged.pid" --log-file="$dir/munged.log"
    grep -qx munged "$dir/started" || echo munged >>"$dir/started"
    say "started munged ($(cat "$dir/munged.pid"))"
fi

start() {  # name, command...
    name=$1
    shift
    if alive "$dir/$name.pid"; then return; fi
    "$@"
    i=0
    while ! alive "$dir/$name.pid" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    if ! alive "$dir/$name.pid"; then
        say "$name did not start; its log: $dir/$name.log"
        tail -n 20 "$dir/$name.log" >&2 || true
        exit 1
    fi
    grep -qx "$name" "$dir/started" || echo "$name" >>"$dir/started"
    say "started $name ($(cat "$dir/$name.pid"))"
}
start slurmctld slurmctld
start slurmd slurmd

# Ready when the node takes jobs.
i=0
while :; do
    state=$(sinfo -h -n "$host" -o %T 2>/dev/null | head -n 1)
    case "$state" in
        idle* | mixed* | allocated*) break ;;
        down* | drain*) scontrol update NodeName="$host" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    i=$((i + 1))
    if [ $i -gt 60 ]; then
        say "node $host is '$state', not idle, after 30 s; logs in $dir"
        exit 1
    fi
    sleep 0.5
done
say "one-node Slurm up: node $host ($cpus CPUs), partition reel; stop it with $0 --stop"
