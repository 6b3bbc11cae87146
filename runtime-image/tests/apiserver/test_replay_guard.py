"""The API server accepts each signature once, and forgets it once its age alone would refuse it."""

from python_compat.apiserver import replay_guard


def test_a_signature_is_accepted_once():
    guard = replay_guard.ReplayGuard(30)

    assert guard.first_time(1000, 'n1', now=1000) is True
    assert guard.first_time(1000, 'n1', now=1001) is False
    assert guard.first_time(1000, 'n2', now=1001) is True


def test_signatures_older_than_the_window_are_forgotten():
    guard = replay_guard.ReplayGuard(30)
    for number in range(50):
        guard.first_time(1000, 'n%d' % number, now=1000)
    assert len(guard) == 50

    guard.first_time(1100, 'later', now=1100)

    assert len(guard) == 1


def test_signatures_still_inside_the_window_are_kept():
    guard = replay_guard.ReplayGuard(30)
    guard.first_time(1000, 'n', now=1000)

    guard.first_time(1029, 'other', now=1029)

    assert guard.first_time(1000, 'n', now=1029) is False
