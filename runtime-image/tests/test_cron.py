"""cron.yaml: schedules from the SDK's parser, when each job is due (fake clock), retries, settings, the request."""

import BaseHTTPServer
import calendar
import datetime
import threading

import pytest

from python_compat import cron
from python_compat import internal

from google.appengine.api import croninfo  # pylint: disable=wrong-import-order (needs cron's antlr3 path)
from python_compat.errors import StartupError


def at(text):
    """Epoch seconds of a UTC time written 'YYYY-MM-DD HH:MM' (or with :SS)."""
    layout = '%Y-%m-%d %H:%M:%S' if text.count(':') == 2 else '%Y-%m-%d %H:%M'
    return calendar.timegm(datetime.datetime.strptime(text, layout).timetuple())


def job(schedule, timezone=None, retry=None, url='/cron'):
    text = 'cron:\n- url: %s\n  schedule: %s\n' % (url, schedule)
    if timezone:
        text += '  timezone: %s\n' % timezone
    if retry:
        text += '  retry_parameters:\n' + ''.join('    %s: %s\n' % item for item in sorted(retry.items()))
    return cron.CronJob(croninfo.LoadSingleCron(text).cron[0])


# Schedules (2024-01-01 is a Monday)

def test_every_5_minutes_counts_from_the_given_time_to_the_whole_minute():
    assert job('every 5 minutes').next_run(at('2024-01-01 10:00:30')) == at('2024-01-01 10:05')


def test_every_day_at_a_time():
    assert job('every day 09:00').next_run(at('2024-01-01 09:00:01')) == at('2024-01-02 09:00')


def test_every_monday_at_a_time():
    assert job('every monday 09:00').next_run(at('2024-01-01 10:00')) == at('2024-01-08 09:00')


def test_synchronized_interval_is_aligned_to_midnight():
    assert job('every 2 hours synchronized').next_run(at('2024-01-01 09:10')) == at('2024-01-01 10:00')


def test_interval_inside_a_time_window():
    window = job('every 1 hours from 08:00 to 18:00')

    assert window.next_run(at('2024-01-01 08:30')) == at('2024-01-01 09:00')
    assert window.next_run(at('2024-01-01 18:30')) == at('2024-01-02 08:00')


def test_timezone_sets_the_clock_times():
    new_york = job('every day 09:00', timezone='America/New_York')

    assert new_york.next_run(at('2024-01-01 00:00')) == at('2024-01-01 14:00')  # EST
    assert new_york.next_run(at('2024-07-01 00:00')) == at('2024-07-01 13:00')  # EDT


def test_plain_interval_counts_from_the_end_of_the_previous_run():
    assert job('every 5 minutes').counts_from_end
    assert not job('every 5 minutes synchronized').counts_from_end
    assert not job('every 5 minutes from 00:00 to 23:59').counts_from_end
    assert not job('every day 09:00').counts_from_end


# Scheduling

def test_job_is_due_once_at_its_time():
    scheduler = cron.CronScheduler([job('every day 09:00')], at('2024-01-01 08:00'))

    assert scheduler.due(at('2024-01-01 08:59')) == []
    [firing] = scheduler.due(at('2024-01-01 09:00'))
    assert scheduler.due(at('2024-01-01 09:00:30')) == []
    assert scheduler.next_due() == at('2024-01-02 09:00')
    assert firing.attempt == 1


def test_plain_interval_waits_for_the_run_to_finish_then_counts_from_its_end():
    every = job('every 1 minutes')
    scheduler = cron.CronScheduler([every], at('2024-01-01 10:00'))
    [firing] = scheduler.due(at('2024-01-01 10:01'))

    assert scheduler.due(at('2024-01-01 10:05')) == []
    scheduler.finished(firing, True, at('2024-01-01 10:05:10'))
    assert scheduler.next_due() == at('2024-01-01 10:06')


def test_clock_time_job_due_while_its_previous_run_runs_is_skipped():
    scheduler = cron.CronScheduler([job('every 1 hours synchronized')], at('2024-01-01 10:30'))
    [first] = scheduler.due(at('2024-01-01 11:00'))

    assert scheduler.due(at('2024-01-01 12:00')) == []
    scheduler.finished(first, True, at('2024-01-01 12:10'))
    assert scheduler.next_due() == at('2024-01-01 13:00')


def test_scheduler_that_missed_several_times_fires_once():
    scheduler = cron.CronScheduler([job('every 1 hours synchronized')], at('2024-01-01 10:30'))

    assert len(scheduler.due(at('2024-01-01 15:00'))) == 1
    assert scheduler.next_due() == at('2024-01-01 16:00')


def test_failed_run_without_retry_parameters_waits_for_the_next_time():
    scheduler = cron.CronScheduler([job('every day 09:00')], at('2024-01-01 08:00'))
    [firing] = scheduler.due(at('2024-01-01 09:00'))

    scheduler.finished(firing, False, at('2024-01-01 09:00:01'))

    assert scheduler.next_due() == at('2024-01-02 09:00')


def test_failed_run_is_retried_with_backoff_up_to_job_retry_limit():
    retried = job('every day 09:00', retry={'job_retry_limit': 2, 'min_backoff_seconds': 10})
    scheduler = cron.CronScheduler([retried], at('2024-01-01 08:00'))
    now = at('2024-01-01 09:00')
    [firing] = scheduler.due(now)
    attempts = [firing.attempt]
    while True:
        scheduler.finished(firing, False, now)
        now = scheduler.next_due()
        if now >= at('2024-01-02 00:00'):
            break
        [firing] = scheduler.due(now)
        attempts.append(firing.attempt)

    assert attempts == [1, 2, 3]


def test_retry_backoff_doubles():
    retried = job('every day 09:00', retry={'min_backoff_seconds': 10, 'job_retry_limit': 5})
    scheduler = cron.CronScheduler([retried], at('2024-01-01 08:00'))
    [firing] = scheduler.due(at('2024-01-01 09:00'))
    scheduler.finished(firing, False, at('2024-01-01 09:00'))
    [firing] = scheduler.due(at('2024-01-01 09:00:10'))

    scheduler.finished(firing, False, at('2024-01-01 09:00:10'))

    assert scheduler.next_due() == at('2024-01-01 09:00:30')


def test_speedup_clock_runs_faster_from_its_start():
    real = [1000.0]
    clock = cron.Clock(60, real_time=lambda: real[0])

    real[0] += 2

    assert clock.now() == 1120.0
    assert clock.real_seconds(60) == 1


# cron.yaml and settings

def test_no_cron_yaml_means_no_jobs(tmpdir):
    assert cron.load_cron_jobs(str(tmpdir)) == []


def test_cron_yaml_jobs_are_loaded(tmpdir):
    tmpdir.join('cron.yaml').write('cron:\n- url: /a\n  schedule: every 5 minutes\n'
                                   '- url: /b\n  schedule: every monday 09:00\n  timezone: Europe/Paris\n')

    assert [(j.url, j.timezone) for j in cron.load_cron_jobs(str(tmpdir))] == [('/a', None), ('/b', 'Europe/Paris')]


@pytest.mark.parametrize('entry, key', [
    ('  schedule: every 5 seconds', 'schedule'),
    ('  schedule: sometimes', 'schedule'),
    ('  schedule: every 5 minutes\n  timezone: Mars/Olympus', 'timezone'),
    ('  schedule: every 5 minutes\n  colour: blue', 'colour'),
])
def test_bad_cron_yaml_is_one_line_naming_file_and_key(tmpdir, entry, key):
    tmpdir.join('cron.yaml').write('cron:\n- url: /a\n%s\n' % entry)

    with pytest.raises(StartupError) as raised:
        cron.load_cron_jobs(str(tmpdir))

    line = raised.value.line()
    assert line.startswith(str(tmpdir.join('cron.yaml')))
    assert key in line
    assert '\n' not in line


def test_cron_is_off_unless_enabled():
    assert cron.enabled_in({}) is False
    assert cron.enabled_in({'CRON_ENABLED': 'false'}) is False
    assert cron.enabled_in({'CRON_ENABLED': 'true'}) is True


def test_unclear_cron_enabled_is_a_start_up_error():
    with pytest.raises(StartupError) as raised:
        cron.enabled_in({'CRON_ENABLED': 'sometimes'})

    assert 'CRON_ENABLED' in raised.value.line()


def test_speedup_must_be_positive():
    assert cron.speedup_in({}) == 1
    with pytest.raises(StartupError):
        cron.speedup_in({'CRON_CLOCK_SPEEDUP': '0'})


def test_disabled_service_starts_no_thread(monkeypatch):
    monkeypatch.setattr(cron.os_threads, 'start_os_thread', lambda *args: pytest.fail('a thread was started'))

    cron.CronService([job('every 1 minutes')], False, cron.Clock()).start(8080)


# The request

class _CronHandler(BaseHTTPServer.BaseHTTPRequestHandler):
    seen = []

    def do_GET(self):  # pylint: disable=invalid-name
        _CronHandler.seen.append((self.path, dict(self.headers)))
        self.send_response(200)
        self.send_header('Content-Length', '0')
        self.end_headers()

    def log_message(self, *args):
        pass


def test_cron_request_is_an_internal_get_with_the_cron_headers():
    server = BaseHTTPServer.HTTPServer(('127.0.0.1', 0), _CronHandler)
    thread = threading.Thread(target=server.handle_request)
    thread.start()

    status = cron.send_cron_request(server.server_address[1], '/tasks/summary?x=1')

    thread.join()
    server.server_close()
    path, headers = _CronHandler.seen[-1]
    assert (status, path) == (200, '/tasks/summary?x=1')
    assert headers['x-appengine-cron'] == 'true'
    assert headers['x-appengine-queuename'] == '__cron'
    assert headers[internal.HEADER.lower()] == internal.token()


def test_cron_request_nobody_answers_gives_up():
    server = BaseHTTPServer.HTTPServer(('127.0.0.1', 0), _CronHandler)
    port = server.server_address[1]
    server.server_close()

    assert cron.send_cron_request(port, '/cron', connect_patience=0.3) is None
