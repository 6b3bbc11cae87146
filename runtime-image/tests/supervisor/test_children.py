"""children: a child of the supervisor is restarted with a backoff that doubles, is capped, and starts over once
the child stayed up."""

from python_compat.supervisor.children import Backoff


def test_backoff_doubles_from_the_first_wait_up_to_the_maximum():
    backoff = Backoff(first=0.5, maximum=4, stable=60)

    assert [backoff.after_exit(1) for _ in range(6)] == [0.5, 1, 2, 4, 4, 4]


def test_a_child_that_stayed_up_starts_the_backoff_again():
    backoff = Backoff(first=0.5, maximum=30, stable=60)
    for _ in range(3):
        backoff.after_exit(1)

    assert (backoff.after_exit(61), backoff.failures) == (0.5, 1)
