"""PropagatingLogger: gunicorn's records go through the root logger; access logs only when configured."""

import mock
from gunicorn import glogging
from gunicorn.config import Config

from python_compat.serving.gunicorn_logging import PropagatingLogger


def logger(**settings):
    config = Config()
    for name, value in settings.items():
        config.set(name, value)
    return PropagatingLogger(config)


def test_no_access_log_is_formatted_unless_one_is_configured():
    with mock.patch.object(glogging.Logger, 'access') as access:
        logger().access('resp', 'req', {}, 0.1)
        logger(accesslog='-').access('resp', 'req', {}, 0.1)

    assert access.call_count == 1


def test_gunicorns_loggers_propagate_to_the_root_logger():
    propagating = logger()

    assert propagating.error_log.propagate and propagating.access_log.propagate
    assert (propagating.error_log.handlers, propagating.access_log.handlers) == ([], [])
