"""The stub's transactions around failures, against a scripted v1 transport (cloud_stub_session.py): a v1 call
that fails inside a transaction rolls the v1 transaction back, since nothing makes the app do it."""

import json
import os
import subprocess
import sys

SESSION = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cloud_stub_session.py')


def run(steps, failing=None):
    """(v1 methods sent, outcome of each step) of one session."""
    output = subprocess.check_output([sys.executable, SESSION, json.dumps({'steps': steps, 'failing': failing or {}})])
    result = json.loads(output.strip().splitlines()[-1])
    return result['v1_calls'], result['outcomes']


def test_a_failed_read_inside_a_transaction_rolls_it_back():
    v1_calls, outcomes = run(['begin', 'get_in_transaction'], failing={'lookup': 'ABORTED'})

    assert outcomes == ['ok', 'CONCURRENT_TRANSACTION']
    assert v1_calls == ['beginTransaction', 'lookup', 'rollback']


def test_the_apps_own_rollback_afterwards_is_answered_without_a_second_one():
    v1_calls, outcomes = run(['begin', 'get_in_transaction', 'rollback'], failing={'lookup': 'DEADLINE_EXCEEDED'})

    assert outcomes == ['ok', 'TIMEOUT', 'ok']
    assert v1_calls.count('rollback') == 1


def test_a_commit_after_the_failure_is_transaction_failed_so_ndb_and_db_retry():
    v1_calls, outcomes = run(['begin', 'get_in_transaction', 'commit'], failing={'lookup': 'UNAVAILABLE'})

    assert outcomes == ['ok', 'TIMEOUT', 'CONCURRENT_TRANSACTION']
    assert 'commit' not in v1_calls


def test_a_failed_commit_is_rolled_back():
    v1_calls, outcomes = run(['begin', 'commit'], failing={'commit': 'DEADLINE_EXCEEDED'})

    assert outcomes == ['ok', 'TIMEOUT']
    assert v1_calls == ['beginTransaction', 'commit', 'rollback']


def test_a_failed_read_outside_a_transaction_rolls_nothing_back():
    v1_calls, outcomes = run(['get'], failing={'lookup': 'UNAVAILABLE'})

    assert outcomes == ['TIMEOUT']
    assert v1_calls == ['lookup']


def test_a_refusal_by_the_stub_itself_keeps_the_transaction_usable():
    # App Engine's own rule (one entity group without xg), checked before anything is sent.
    v1_calls, outcomes = run(['begin', 'get_two_groups_in_transaction', 'get_in_transaction', 'commit'])

    assert outcomes == ['ok', 'BAD_REQUEST', 'ok', 'ok']
    assert 'rollback' not in v1_calls and v1_calls[-1] == 'commit'


def test_a_committed_transaction_is_not_rolled_back():
    v1_calls, outcomes = run(['begin', 'get_in_transaction', 'commit', 'rollback'])

    assert outcomes == ['ok', 'ok', 'ok', 'BAD_REQUEST']
    assert 'rollback' not in v1_calls
