"""gunicorn patch: the WSGI environ's constant part, and its `wsgi.errors` stream, are built once per worker.

gunicorn builds them for every request, looking its error logger up each time.
"""

from gunicorn.http import wsgi

WRITTEN_FOR = ('gunicorn', '19.10.0')
RELIES_ON = {
    # Replaced: called by create() for every request, with the worker's configuration.
    'gunicorn.http.wsgi.base_environ': '942494574f2cdd6dac1869751817fe9a533bf8371027a7ba47bea792a91deacf',
    'gunicorn.http.wsgi.create': '4bbe6ba49fe55060fb562a351374f4e49f805a7ea9cb45ae5657b2f7a5df7454',
}

# gunicorn's own function, kept: install() replaces the module attribute.
gunicorn_base_environ = wsgi.base_environ


class BaseEnviron(object):
    """gunicorn's base_environ for a worker's configuration, built on its first request and copied after.

    Workers are forked before they serve, so each builds its own; gunicorn does not change a worker's
    configuration while it runs (it replaces the worker to reload)."""

    def __init__(self):
        self.cfg = None
        self.environ = None

    def __call__(self, cfg):
        if cfg is not self.cfg:
            self.environ = gunicorn_base_environ(cfg)
            self.cfg = cfg
        return self.environ.copy()


def install():
    wsgi.base_environ = BaseEnviron()
