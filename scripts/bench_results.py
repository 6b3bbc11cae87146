"""Saves a benchmark's results as files: `<results dir>/<name>.md` (the tables it printed) and `<name>.json` (its
figures, with the machine and the commit they were measured on), so figures live in the repository's history,
not in comments or the README. `make bench` gives every run its own directory under bench/results/."""

import json
import os
import pathlib
import platform
import subprocess
import sys
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parent.parent


def _command_output(command):
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30, cwd=REPO_ROOT).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ''


def commit():
    """The checkout's commit, `+dirty` when files differ from it."""
    sha = _command_output(['git', 'rev-parse', 'HEAD']) or 'unknown'
    return sha + ('+dirty' if _command_output(['git', 'status', '--porcelain', '--untracked-files=no']) else '')


def machine():
    """What the figures were measured on."""
    model = ''
    try:
        with open('/proc/cpuinfo') as cpuinfo:
            model = next((line.split(':', 1)[1].strip() for line in cpuinfo if line.startswith('model name')), '')
    except OSError:
        pass
    try:
        with open('/proc/meminfo') as meminfo:
            memory_kib = int(next(line.split()[1] for line in meminfo if line.startswith('MemTotal')))
    except (OSError, StopIteration, ValueError):
        memory_kib = 0
    return {'cpu_model': model, 'cpus': os.cpu_count(), 'memory_gib': round(memory_kib / 1048576, 1),
            'kernel': platform.release(), 'docker': _command_output(['docker', 'version', '--format',
                                                                      '{{.Server.Version}}'])}


def save(results_dir, name, text, figures):
    """Writes `text` (what the benchmark printed) and `figures` (JSON-ready) under results_dir; returns the paths."""
    directory = pathlib.Path(results_dir)
    directory.mkdir(parents=True, exist_ok=True)
    record = {'benchmark': name, 'measured_at': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()),
              'commit': commit(), 'machine': machine(), 'command': sys.argv, 'figures': figures}
    (directory / (name + '.json')).write_text(json.dumps(record, indent=2, sort_keys=True) + '\n')
    header = '# %s\n\nCommit %s, measured %s on %s (%s CPUs, %s GiB).\n\n' % (
        name, record['commit'], record['measured_at'], record['machine']['cpu_model'] or 'an unknown CPU',
        record['machine']['cpus'], record['machine']['memory_gib'])
    (directory / (name + '.md')).write_text(header + text.rstrip() + '\n')
    return directory / (name + '.md'), directory / (name + '.json')
