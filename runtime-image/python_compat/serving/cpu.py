"""How many CPUs this container may really use: cgroup v2 cpu.max, cgroup v1 CFS quota, cpusets, affinity.

The 2017 runtime sized gunicorn from the host's CPU count, so a container limited to one CPU on a 64-core host
started 64 workers. Each function here returns (count, source) so `print-config` can say where a value came from.
"""

import math
import multiprocessing
import os

CGROUP_ROOT = '/sys/fs/cgroup'


def _read(path):
    try:
        with open(path) as f:
            return f.read().strip()
    except (IOError, OSError):
        return None


def count_cpu_list(text):
    """Number of CPUs in a kernel CPU list such as '0-3,8,10-11'."""
    count = 0
    for part in text.split(','):
        part = part.strip()
        if not part:
            continue
        first, _, last = part.partition('-')
        count += int(last or first) - int(first) + 1
    return count


def quota_cpus(cgroup_root=CGROUP_ROOT):
    """(CPUs allowed by the CFS quota, source) or (None, None) when there is no quota."""
    cpu_max = _read(os.path.join(cgroup_root, 'cpu.max'))
    if cpu_max:
        quota, _, period = cpu_max.partition(' ')
        if quota != 'max' and period:
            return int(math.ceil(float(quota) / float(period))), 'cgroup v2 cpu.max "%s"' % cpu_max
        return None, None
    for directory in ('cpu', 'cpu,cpuacct', 'cpuacct,cpu'):
        quota = _read(os.path.join(cgroup_root, directory, 'cpu.cfs_quota_us'))
        period = _read(os.path.join(cgroup_root, directory, 'cpu.cfs_period_us'))
        if quota and period:
            if int(quota) > 0 and int(period) > 0:
                return (int(math.ceil(float(quota) / float(period))),
                        'cgroup v1 cpu.cfs_quota_us=%s cpu.cfs_period_us=%s' % (quota, period))
            return None, None
    return None, None


def cpuset_cpus(cgroup_root=CGROUP_ROOT, proc_status='/proc/self/status'):
    """(CPUs in this process's cpuset or affinity mask, source) or (None, None) when unknown."""
    status = _read(proc_status) or ''
    for line in status.splitlines():
        if line.startswith('Cpus_allowed_list:'):
            return count_cpu_list(line.split(':', 1)[1]), 'CPU affinity (Cpus_allowed_list)'
    for path in ('cpuset.cpus.effective', 'cpuset/cpuset.effective_cpus', 'cpuset/cpuset.cpus'):
        cpus = _read(os.path.join(cgroup_root, path))
        if cpus:
            return count_cpu_list(cpus), 'cgroup %s' % path
    return None, None


def usable_cpus(cgroup_root=CGROUP_ROOT, proc_status='/proc/self/status'):
    """(CPUs this container may use, at least 1, and a description of which limit decided it)."""
    candidates = [(count, source) for count, source in (quota_cpus(cgroup_root), cpuset_cpus(cgroup_root, proc_status))
                  if count is not None]
    # Last, so that on a tie the limit that applies is named rather than the host.
    candidates.append((multiprocessing.cpu_count(), 'host CPU count'))
    count, source = min(candidates, key=lambda candidate: candidate[0])
    return max(1, count), source
