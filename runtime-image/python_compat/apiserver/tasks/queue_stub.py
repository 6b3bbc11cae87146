"""The SDK's task queue stub, with the one call it lacks: checking and naming transactional tasks that the
caller's own transaction holds (held_actions.py)."""

from google.appengine.api.taskqueue import taskqueue_stub

from python_compat.apiserver.tasks import held_actions


class TaskQueueStub(taskqueue_stub.TaskQueueServiceStub):

    def _Dynamic_BulkAddHeldByCaller(self, request, response):  # pylint: disable=invalid-name
        """BulkAdd of transactional tasks, which are checked and named as the stub does, and left to the caller."""
        with held_actions.held_by_caller():
            self._Dynamic_BulkAdd(request, response)
