"""A database cursor for helpers that may be handed one: the caller's (inside its
transaction, its statements) or a new one of the default connection, closed afterwards."""

from __future__ import annotations

from django.db import connection


class given_or_new:  # noqa: N801 (used as a function: ``with given_or_new(cursor) as c``)
    def __init__(self, cursor):
        self.given, self.own = cursor, None

    def __enter__(self):
        if self.given is not None:
            return self.given
        self.own = connection.cursor()
        return self.own

    def __exit__(self, *exc):
        if self.own is not None:
            self.own.close()
