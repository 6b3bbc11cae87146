"""The `datastore_v3` service stub that serves ndb/db apps from Cloud Datastore through its v1 API.

Each v3 call becomes the v1 calls that do the same (conversion.py translates keys, entities and queries
with the SDK's converters); v1 errors become the App Engine errors apps catch (errors.py). Transactions
(transactions.py) and open queries (queries.py) keep the state v3 has on the server and v1 has not.

When a v1 call made inside a transaction fails, the stub rolls the v1 transaction back itself: nothing makes the
app do it (ndb sends no Rollback after a failed commit, and its Rollback after a failed read is fire-and-forget),
and Firestore in Datastore mode keeps the locks of a transaction that is never ended until it expires, so every
other writer of the entities it read would wait for that.
"""

import collections
import logging

import gevent

from google.appengine.api import api_base_pb
from google.appengine.api import apiproxy_stub
from google.appengine.api import apiproxy_stub_map
from google.appengine.api.taskqueue import taskqueue_service_pb
from google.appengine.datastore import datastore_pb
from google.appengine.runtime import apiproxy_errors

from python_compat.apiserver import call_deadline
from python_compat.apiserver.datastore.cloud import app_ids
from python_compat.apiserver.datastore.cloud import conversion
from python_compat.apiserver.datastore.cloud import errors
from python_compat.apiserver.datastore.cloud import id_allocation
from python_compat.apiserver.datastore.cloud import queries
from python_compat.apiserver.datastore.cloud import sdk_v1_messages as v1
from python_compat.apiserver.datastore.cloud import transactions

_log = logging.getLogger(__name__)
SERVICE = 'datastore_v3'
# Seconds the rollback of a transaction whose call failed may take (in the background, after the call's reply).
ROLLBACK_SECONDS = 10.0
# Large enough for a put of 500 entities of App Engine's 1 MiB each.
MAX_REQUEST_BYTES = 600 * 1024 * 1024
_READ_ONLY = datastore_pb.BeginTransactionRequest.READ_ONLY


class CloudDatastoreStub(apiproxy_stub.APIProxyStub):
    """datastore_v3 for one app (`app_id`, its APPLICATION_ID) from one Cloud Datastore database.

    transport: a V1Transport (or anything with its `call`). Calls run concurrently (each waits on the
    network under gevent); what they share is locked where it changes.
    """

    THREADSAFE = True

    def __init__(self, app_id, settings, transport):
        apiproxy_stub.APIProxyStub.__init__(self, SERVICE, max_request_size=MAX_REQUEST_BYTES)
        self.app_id = app_id
        self.settings = settings
        self._transport = transport
        self._converter = conversion.Converter(
            app_ids.AppIdResolver(app_id, settings.project_id, settings.additional_app_ids))
        self._transactions = transactions.TransactionTable()
        self._queries = queries.QueryRunner(self._converter, queries.OpenQueries())

    def MakeSyncCall(self, service, call, request, response, request_id=None):  # pylint: disable=invalid-name
        try:
            return apiproxy_stub.APIProxyStub.MakeSyncCall(self, service, call, request, response, request_id)
        except errors.V1Error as error:
            raise errors.application_error(error)

    def _call(self, method, request, response_class):
        """One v1 call within what is left of the current API call's deadline."""
        remaining = call_deadline.remaining_seconds()
        if remaining <= 0:
            raise apiproxy_errors.ApplicationError(datastore_pb.Error.TIMEOUT, 'the call\'s deadline has passed')
        return self._transport.call(method, request, response_class, remaining)

    def _call_in(self, transaction):
        """The v1 call function for work inside `transaction` (None: outside any); when a v1 call fails, the
        transaction is rolled back (see the module's note) before the error goes on to the app."""
        if transaction is None:
            return self._call

        def call(method, request, response_class):
            try:
                return self._call(method, request, response_class)
            except errors.V1Error:
                self._roll_back_after_failure(transaction)
                raise
        return call

    def _roll_back_after_failure(self, transaction):
        """Ends a live transaction and rolls it back in the background, so the app gets its error at once; a later
        Rollback from the app is answered as done, any other call naming it gets TransactionFailedError."""
        if self._transactions.finish(transaction, failed=True):
            gevent.spawn(self._send_rollback, transaction.v1_transaction)

    def _send_rollback(self, v1_transaction):
        try:
            self._transport.call('rollback', v1.RollbackRequest(transaction=v1_transaction), v1.RollbackResponse,
                                 ROLLBACK_SECONDS)
        except errors.V1Error as error:
            # It expires anyway (and one that was aborted has nothing to roll back).
            _log.info('rollback of a transaction whose call failed did not succeed: %s', error)

    def Write(self):  # pylint: disable=invalid-name
        """Nothing to save: every commit is in Cloud Datastore when the call returns (the SDK stubs' API)."""

    # -- reads --------------------------------------------------------------------------------------

    def _Dynamic_Get(self, request, response):  # pylint: disable=invalid-name
        transaction = self._transaction_of(request)
        v1_keys = [self._converter.v1_key(reference) for reference in request.key_list()]
        identities = [conversion.key_identity(key) for key in v1_keys]
        if transaction is not None:
            transaction.touch(identities)
        lookup = v1.LookupRequest()
        lookup.keys.extend(collections.OrderedDict(zip(identities, v1_keys)).values())
        self._set_read_options(lookup.read_options, request, transaction)
        found, missing = {}, {}
        while lookup.keys:
            reply = self._call_in(transaction)('lookup', lookup, v1.LookupResponse)
            for entity_result in reply.found:
                found[conversion.key_identity(entity_result.entity.key)] = entity_result
            for entity_result in reply.missing:
                missing[conversion.key_identity(entity_result.entity.key)] = entity_result
            # Keys the service did not get to this time (large batches): asked again until none remain.
            del lookup.keys[:]
            lookup.keys.extend(reply.deferred)
        for reference, identity in zip(request.key_list(), identities):
            reply_entity = response.add_entity()
            entity_result = found.get(identity)
            if entity_result is not None:
                reply_entity.mutable_entity().CopyFrom(self._converter.v3_entity(entity_result.entity))
            else:
                entity_result = missing.get(identity)
                reply_entity.mutable_key().CopyFrom(reference)
            if entity_result is not None and entity_result.version:
                reply_entity.set_version(entity_result.version)
        response.set_in_order(True)

    def _Dynamic_RunQuery(self, query, query_result):  # pylint: disable=invalid-name
        transaction = self._transaction_of(query)
        read_options = v1.ReadOptions()
        if transaction is not None:
            if not query.has_ancestor():
                raise errors.bad_request('Only ancestor queries are allowed inside transactions.')
            transaction.touch([conversion.key_identity(self._converter.v1_key(query.ancestor()))])
        self._set_read_options(read_options, query, transaction)
        self._queries.run(self._call_in(transaction), query, read_options if read_options.ListFields() else None,
                          query_result)

    def _Dynamic_Next(self, next_request, query_result):  # pylint: disable=invalid-name
        self._queries.next(next_request, query_result)

    # -- writes -------------------------------------------------------------------------------------

    def _Dynamic_Put(self, request, response):  # pylint: disable=invalid-name
        transaction = self._transaction_of(request)
        v1_entities = [self._converter.v1_entity(entity) for entity in request.entity_list()]
        if transaction is not None:
            self._complete_keys_now(self._call_in(transaction), v1_entities)
            identities = [conversion.key_identity(entity.key) for entity in v1_entities]
            transaction.touch(identities)
            for identity, entity in zip(identities, v1_entities):
                mutation = v1.Mutation()
                mutation.upsert.CopyFrom(entity)
                transaction.hold(identity, mutation)
            new_ids = [entity.key.path[-1].id for entity in v1_entities]
            versions = None
        else:
            mutations = []
            for entity in v1_entities:
                mutations.append(v1.Mutation())
                mutations[-1].upsert.CopyFrom(entity)
            results = self._commit_without_transaction(mutations, [entity.key for entity in v1_entities])
            new_ids = [result.key.path[-1].id if result.HasField('key') else None for result in results]
            versions = [result.version for result in results]
        for entity, new_id in zip(request.entity_list(), new_ids):
            key = response.add_key()
            key.CopyFrom(entity.key())
            last = key.mutable_path().element_list()[-1]
            if not last.has_id() and not last.has_name() and new_id:
                last.set_id(new_id)
        if versions is not None:
            response.version_list().extend(versions)

    def _Dynamic_Delete(self, request, response):  # pylint: disable=invalid-name
        transaction = self._transaction_of(request)
        v1_keys = [self._converter.v1_key(reference) for reference in request.key_list()]
        if transaction is not None:
            identities = [conversion.key_identity(key) for key in v1_keys]
            transaction.touch(identities)
            for identity, key in zip(identities, v1_keys):
                mutation = v1.Mutation()
                mutation.delete.CopyFrom(key)
                transaction.hold(identity, mutation)
            return
        mutations = []
        for key in v1_keys:
            mutations.append(v1.Mutation())
            mutations[-1].delete.CopyFrom(key)
        results = self._commit_without_transaction(mutations, v1_keys)
        response.version_list().extend(result.version for result in results)

    def _commit_without_transaction(self, mutations, keys):
        """Commits mutations (one per key) at once; returns a MutationResult per key, in order.

        v1 refuses two mutations of one entity in a commit; App Engine applied the last, so only the last
        mutation of each key is sent and every duplicate gets its result.
        """
        last_index = collections.OrderedDict()
        for index, key in enumerate(keys):
            if _is_complete(key):
                identity = conversion.key_identity(key)
                last_index.pop(identity, None)
                last_index[identity] = index
            else:
                last_index[('incomplete', index)] = index
        sent = sorted(last_index.values())
        commit = v1.CommitRequest(mode=v1.CommitRequest.NON_TRANSACTIONAL)
        commit.mutations.extend(mutations[index] for index in sent)
        reply = self._call('commit', commit, v1.CommitResponse)
        result_of_sent = dict(zip(sent, reply.mutation_results))
        results = []
        for index, key in enumerate(keys):
            if index in result_of_sent:
                results.append(result_of_sent[index])
            else:
                results.append(result_of_sent[last_index[conversion.key_identity(key)]])
        return results

    @staticmethod
    def _complete_keys_now(call, v1_entities):
        """Gives incomplete keys their ids at once: inside a transaction, the app needs them before Commit."""
        incomplete = [entity for entity in v1_entities if not _is_complete(entity.key)]
        if incomplete:
            allocated = id_allocation.complete_keys(call, [entity.key for entity in incomplete])
            for entity, key in zip(incomplete, allocated):
                entity.key.CopyFrom(key)

    # -- transactions -------------------------------------------------------------------------------

    def _Dynamic_BeginTransaction(self, request, transaction):  # pylint: disable=invalid-name
        begin = v1.BeginTransactionRequest()
        read_only = request.mode() == _READ_ONLY
        if read_only:
            begin.transaction_options.read_only.SetInParent()
        else:
            begin.transaction_options.read_write.SetInParent()
            if request.has_previous_transaction():
                previous = self._transactions.v1_transaction_of(request.previous_transaction().handle())
                if previous:
                    # Lets a retry keep its place in line where the database locks (Firestore in Datastore mode).
                    begin.transaction_options.read_write.previous_transaction = previous
        reply = self._call('beginTransaction', begin, v1.BeginTransactionResponse)
        live = self._transactions.begin(request.app(), reply.transaction, request.allow_multiple_eg(), read_only)
        transaction.set_app(request.app())
        transaction.set_handle(live.handle)

    def _Dynamic_Commit(self, transaction, response):  # pylint: disable=invalid-name,unused-argument
        live = self._transactions.get(transaction)
        commit = v1.CommitRequest(mode=v1.CommitRequest.TRANSACTIONAL, transaction=live.v1_transaction)
        commit.mutations.extend(live.mutations.values())
        try:
            self._call('commit', commit, v1.CommitResponse)
        except (errors.V1Error, apiproxy_errors.ApplicationError):
            # Not committed, or not known to be (a timeout): ended here, since apps send no Rollback after it.
            self._roll_back_after_failure(live)
            raise
        self._transactions.finish(live)
        for task in live.tasks:
            try:
                apiproxy_stub_map.MakeSyncCall('taskqueue', 'Add', task, api_base_pb.VoidProto())
            except apiproxy_errors.ApplicationError as error:
                # As App Engine's own stub: the commit stands, the task is reported.
                _log.warning('transactional task %s was dropped: %s', task.task_name(), error)

    def _Dynamic_Rollback(self, transaction, unused_response):  # pylint: disable=invalid-name
        if self._transactions.was_rolled_back_after_failure(transaction):
            return
        live = self._transactions.get(transaction)
        self._transactions.finish(live)
        try:
            self._call('rollback', v1.RollbackRequest(transaction=live.v1_transaction), v1.RollbackResponse)
        except errors.V1Error as error:
            # The transaction is over either way; an app rolling back after an error must see that error.
            _log.info('rollback of a transaction failed (it ends anyway): %s', error)

    def _Dynamic_AddActions(self, request, unused_response):  # pylint: disable=invalid-name
        """Holds transactional tasks (taskqueue BulkAdd with a transaction) until the commit succeeds."""
        if not request.add_request_list():
            return
        live = self._transactions.get(request.add_request(0).transaction())
        tasks = []
        for add_request in request.add_request_list():
            if add_request.transaction().handle() != live.handle:
                raise errors.bad_request('Cannot add requests to different transactions')
            task = taskqueue_service_pb.TaskQueueAddRequest()
            task.CopyFrom(add_request)
            task.clear_transaction()
            tasks.append(task)
        live.add_tasks(tasks)

    # -- ids and indexes ----------------------------------------------------------------------------

    def _Dynamic_AllocateIds(self, request, response):  # pylint: disable=invalid-name
        if request.reserve_list():
            if request.has_model_key() or request.has_size() or request.has_max():
                raise errors.bad_request('Cannot allocate and reserve IDs in the same request')
            id_allocation.reserve(self._call, self._converter, request.reserve_list())
            response.set_start(0)
            response.set_end(0)
            return
        if request.has_max():
            start, end = id_allocation.reserve_up_to(self._call, self._converter, request.model_key(),
                                                     request.max())
        else:
            start, end = id_allocation.allocate_range(self._call, self._converter, request.model_key(),
                                                      request.size() if request.has_size() else 1)
        response.set_start(start)
        response.set_end(end)

    def _Dynamic_GetIndices(self, request, composite_indices):  # pylint: disable=invalid-name
        """No indexes are listed: v1 has no call for it (see the Datastore Admin API and index.yaml)."""

    # -- helpers ------------------------------------------------------------------------------------

    def _transaction_of(self, request):
        return self._transactions.get(request.transaction()) if request.has_transaction() else None

    @staticmethod
    def _set_read_options(read_options, request, transaction):
        if transaction is not None:
            read_options.transaction = transaction.v1_transaction
        elif request.has_strong() and not request.strong():
            read_options.read_consistency = v1.ReadOptions.EVENTUAL


def _is_complete(v1_key):
    last = v1_key.path[-1]
    return bool(last.id or last.name)

