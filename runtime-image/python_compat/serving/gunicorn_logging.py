"""gunicorn's logger, sending its records through the root logger so they share the runtime's format."""

import logging

from gunicorn import glogging


class PropagatingLogger(glogging.Logger):
    def setup(self, cfg):
        glogging.Logger.setup(self, cfg)
        # gunicorn decides on every request, from four settings, whether to write an access log; settings
        # only change with setup() (a reload), so decide here.
        self.access_enabled = bool(cfg.accesslog or cfg.logconfig or cfg.logconfig_dict
                                   or (cfg.syslog and not cfg.disable_redirect_access_to_syslog))
        for logger in (self.error_log, self.access_log):
            for handler in list(logger.handlers):
                logger.removeHandler(handler)
            logger.propagate = True
        self.error_log.setLevel(logging.INFO)

    def access(self, resp, req, environ, request_time):
        if self.access_enabled:
            glogging.Logger.access(self, resp, req, environ, request_time)

