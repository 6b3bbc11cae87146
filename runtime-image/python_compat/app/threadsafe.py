"""`threadsafe: false`: one request at a time through the app's scripts, in each worker."""

import threading


class SerializedCall(object):
    """Runs at most one request at a time through `app`, body included (for `threadsafe: false`)."""

    def __init__(self, app, lock):
        self.app = app
        self.lock = lock

    def __call__(self, environ, start_response):
        self.lock.acquire()
        try:
            body = self.app(environ, start_response)
            # The body is produced here, under the lock: an app that is not thread-safe may still be
            # running its generator.
            chunks = list(body)
            if hasattr(body, 'close'):
                body.close()
            return chunks
        finally:
            self.lock.release()


def new_serializing_lock():
    # threading.Lock is gevent's cooperative lock once gevent has patched threading (the serve command
    # patches before anything else is imported).
    return threading.Lock()
