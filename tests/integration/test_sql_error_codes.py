"""What the unit of work makes of a database error, on each driver: a duplicate key (two inserts
of a new key raced) is a DuplicateKey, a deadlock, serialization failure or lock timeout a
ConcurrentUpdate (the use case retries both), anything else stays what it is."""

from __future__ import annotations

import sqlite3

import psycopg.errors
import pymysql.err
import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from atraxion.adapters.sqlalchemy._sql import error_code
from atraxion.adapters.sqlalchemy.unit_of_work import is_conflict, is_duplicate

DUPLICATES = [
    IntegrityError("INSERT", {}, pymysql.err.IntegrityError(1062, "Duplicate entry 'A' for key")),
    IntegrityError("INSERT", {}, psycopg.errors.UniqueViolation("duplicate key value violates unique constraint")),
    IntegrityError("INSERT", {}, sqlite3.IntegrityError("UNIQUE constraint failed: products.key")),
]
CONFLICTS = [
    OperationalError("SELECT", {}, pymysql.err.OperationalError(1213, "Deadlock found")),
    OperationalError("SELECT", {}, pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")),
    OperationalError("SELECT", {}, psycopg.errors.DeadlockDetected("deadlock detected")),
    OperationalError("SELECT", {}, psycopg.errors.SerializationFailure("could not serialize access")),
    OperationalError("SELECT", {}, psycopg.errors.LockNotAvailable("canceling statement due to lock timeout")),
    OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked")),
]
OTHERS = [
    IntegrityError("INSERT", {}, pymysql.err.IntegrityError(1048, "Column 'key' cannot be null")),
    IntegrityError("INSERT", {}, psycopg.errors.NotNullViolation("null value in column")),
    OperationalError("SELECT", {}, psycopg.errors.UndefinedTable("relation does not exist")),
]


@pytest.mark.parametrize("error", DUPLICATES, ids=lambda e: type(e.orig).__name__)
def test_a_duplicate_key_is_a_duplicate_and_a_conflict(error: DBAPIError) -> None:
    assert is_duplicate(error) and is_conflict(error)


@pytest.mark.parametrize("error", CONFLICTS, ids=lambda e: type(e.orig).__name__)
def test_a_deadlock_or_lock_timeout_is_a_conflict_not_a_duplicate(error: DBAPIError) -> None:
    assert is_conflict(error) and not is_duplicate(error)


@pytest.mark.parametrize("error", OTHERS, ids=lambda e: type(e.orig).__name__)
def test_other_errors_are_neither(error: DBAPIError) -> None:
    assert not is_conflict(error) and not is_duplicate(error)


def test_the_code_is_mysqls_number_before_its_generic_sqlstate() -> None:
    orig = pymysql.err.OperationalError(1205, "Lock wait timeout exceeded")
    orig.sqlstate = "HY000"  # PyMySQL 1.2 sets one on every error
    assert error_code(OperationalError("INSERT", {}, orig)) == 1205
    assert error_code(OperationalError("INSERT", {}, psycopg.errors.LockNotAvailable("x"))) == "55P03"
