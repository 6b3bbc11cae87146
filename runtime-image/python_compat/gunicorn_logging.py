"""gunicorn's logger, sending its records through the root logger so they share the runtime's format."""

import logging

from gunicorn import glogging


class PropagatingLogger(glogging.Logger):
    def setup(self, cfg):
        glogging.Logger.setup(self, cfg)
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
        self.error_log.setLevel(logging.INFO)
