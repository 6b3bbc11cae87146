"""The reliability suite: the faults an outside probe tries, repeated on every `make test`, with its figures."""
