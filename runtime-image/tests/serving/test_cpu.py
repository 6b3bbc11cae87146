"""cpu: how many CPUs the container may use, and which limit said so (cgroup v2/v1 quota, cpusets, affinity)."""

import mock
import pytest

from python_compat.serving import cpu


@pytest.fixture
def cgroup(tmpdir):
    """A fake /sys/fs/cgroup tree: `cgroup.write('cpu.max', '...')`; `cgroup.root` is its path."""

    class FakeCgroup(object):
        root = str(tmpdir.join('cgroup').ensure(dir=True))
        status = str(tmpdir.join('status'))

        def write(self, relative_path, text):
            tmpdir.join('cgroup', relative_path).write(text + '\n', ensure=True)

        def affinity(self, cpu_list):
            tmpdir.join('status').write('Name:\tpython\nCpus_allowed:\tff\nCpus_allowed_list:\t%s\nVoluntary:\t1\n'
                                        % cpu_list)

    return FakeCgroup()


@pytest.fixture
def host_cpus():
    with mock.patch('multiprocessing.cpu_count', return_value=8) as cpu_count:
        yield cpu_count


@pytest.mark.parametrize('text, count', [
    ('0', 1),
    ('0-3', 4),
    ('0-3,8,10-11', 7),
    (' 0-1 \n', 2),
    ('', 0),
])
def test_count_cpu_list_counts_ranges_and_single_cpus(text, count):
    assert cpu.count_cpu_list(text) == count


def test_v2_cpu_max_gives_quota_over_period(cgroup):
    cgroup.write('cpu.max', '200000 100000')

    assert cpu.quota_cpus(cgroup.root) == (2, 'cgroup v2 cpu.max "200000 100000"')


def test_v2_fractional_quota_rounds_up(cgroup):
    cgroup.write('cpu.max', '150000 100000')

    assert cpu.quota_cpus(cgroup.root)[0] == 2


def test_v2_max_means_no_quota(cgroup):
    cgroup.write('cpu.max', 'max 100000')

    assert cpu.quota_cpus(cgroup.root) == (None, None)


def test_v2_cpu_max_is_preferred_over_v1_files(cgroup):
    cgroup.write('cpu.max', '100000 100000')
    cgroup.write('cpu/cpu.cfs_quota_us', '400000')
    cgroup.write('cpu/cpu.cfs_period_us', '100000')

    assert cpu.quota_cpus(cgroup.root)[0] == 1


def test_v1_cfs_quota_over_period(cgroup):
    cgroup.write('cpu/cpu.cfs_quota_us', '300000')
    cgroup.write('cpu/cpu.cfs_period_us', '100000')

    assert cpu.quota_cpus(cgroup.root) == (3, 'cgroup v1 cpu.cfs_quota_us=300000 cpu.cfs_period_us=100000')


def test_v1_quota_in_combined_cpu_cpuacct_directory(cgroup):
    cgroup.write('cpu,cpuacct/cpu.cfs_quota_us', '50000')
    cgroup.write('cpu,cpuacct/cpu.cfs_period_us', '100000')

    assert cpu.quota_cpus(cgroup.root)[0] == 1


def test_v1_quota_minus_one_means_no_quota(cgroup):
    cgroup.write('cpu/cpu.cfs_quota_us', '-1')
    cgroup.write('cpu/cpu.cfs_period_us', '100000')

    assert cpu.quota_cpus(cgroup.root) == (None, None)


def test_no_cgroup_files_means_no_quota(cgroup):
    assert cpu.quota_cpus(cgroup.root) == (None, None)


def test_affinity_list_counts_allowed_cpus(cgroup):
    cgroup.affinity('0-2,5')

    assert cpu.cpuset_cpus(cgroup.root, cgroup.status) == (4, 'CPU affinity (Cpus_allowed_list)')


def test_affinity_is_preferred_over_cgroup_cpuset(cgroup):
    cgroup.affinity('0')
    cgroup.write('cpuset.cpus.effective', '0-7')

    assert cpu.cpuset_cpus(cgroup.root, cgroup.status)[0] == 1


@pytest.mark.parametrize('path', ['cpuset.cpus.effective', 'cpuset/cpuset.effective_cpus', 'cpuset/cpuset.cpus'])
def test_cgroup_cpuset_when_affinity_is_unknown(cgroup, path):
    cgroup.write(path, '2-3')

    assert cpu.cpuset_cpus(cgroup.root, cgroup.status) == (2, 'cgroup %s' % path)


def test_no_cpuset_information_means_unknown(cgroup):
    assert cpu.cpuset_cpus(cgroup.root, cgroup.status) == (None, None)


def test_usable_cpus_is_the_host_count_without_limits(cgroup, host_cpus):
    assert cpu.usable_cpus(cgroup.root, cgroup.status) == (8, 'host CPU count')


def test_usable_cpus_takes_a_smaller_quota(cgroup, host_cpus):
    cgroup.write('cpu.max', '200000 100000')
    cgroup.affinity('0-3')

    assert cpu.usable_cpus(cgroup.root, cgroup.status) == (2, 'cgroup v2 cpu.max "200000 100000"')


def test_usable_cpus_takes_a_smaller_cpuset(cgroup, host_cpus):
    cgroup.write('cpu.max', '400000 100000')
    cgroup.affinity('0-2')

    assert cpu.usable_cpus(cgroup.root, cgroup.status) == (3, 'CPU affinity (Cpus_allowed_list)')


def test_usable_cpus_ignores_a_quota_larger_than_the_host(cgroup, host_cpus):
    cgroup.write('cpu.max', '1600000 100000')

    assert cpu.usable_cpus(cgroup.root, cgroup.status) == (8, 'host CPU count')


def test_quota_equal_to_host_count_names_the_quota(cgroup, host_cpus):
    cgroup.write('cpu/cpu.cfs_quota_us', '800000')
    cgroup.write('cpu/cpu.cfs_period_us', '100000')

    assert cpu.usable_cpus(cgroup.root, cgroup.status) == (
        8, 'cgroup v1 cpu.cfs_quota_us=800000 cpu.cfs_period_us=100000')


def test_cpuset_equal_to_host_count_names_the_cpuset(cgroup, host_cpus):
    cgroup.affinity('0-7')

    assert cpu.usable_cpus(cgroup.root, cgroup.status) == (8, 'CPU affinity (Cpus_allowed_list)')


def test_usable_cpus_is_never_below_one(cgroup, host_cpus):
    cgroup.write('cpu.max', '0 100000')

    assert cpu.usable_cpus(cgroup.root, cgroup.status)[0] == 1
