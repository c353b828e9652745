"""Odoo's exception classes as the simulator raises them, and how each route family reports them.

Mirrors ``odoo.exceptions`` and the two fault encoders of ``odoo/addons/base/controllers/rpc.py``
(``addons/rpc/controllers/xmlrpc.py`` since Odoo 19): integer codes on ``/xmlrpc/2/<service>``,
string codes on the legacy ``/xmlrpc/<service>``. Anything that is not an Odoo exception is an
"application error": code 1 with the traceback text, or on the legacy routes the message as code.
"""

from __future__ import annotations

import traceback
import xmlrpc.client
from typing import Literal

FaultStyle = Literal["int", "string"]

# odoo/addons/base/controllers/rpc.py
RPC_FAULT_CODE_APPLICATION_ERROR = 1
RPC_FAULT_CODE_WARNING = 2
RPC_FAULT_CODE_ACCESS_DENIED = 3
RPC_FAULT_CODE_ACCESS_ERROR = 4


class UserError(Exception):
    """A business rule refused the request (``odoo.exceptions.UserError``)."""


class ValidationError(UserError):
    """A constraint refused the values (``odoo.exceptions.ValidationError``)."""


class MissingError(UserError):
    """A record does not exist (any more) (``odoo.exceptions.MissingError``)."""


class AccessError(UserError):
    """Access rights refuse the operation (``odoo.exceptions.AccessError``)."""


class AccessDenied(UserError):
    """Bad credentials (``odoo.exceptions.AccessDenied``): always just "Access Denied"."""

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class LockError(UserError):
    """A record is locked by another transaction (``odoo.exceptions.LockError``, Odoo 19)."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or "Cannot perform the operation: the record is locked by another transaction.")


class SerializationFailure(Exception):
    """What psycopg2 raises once Odoo has retried a concurrent update five times."""

    __module__ = "psycopg2.errors"
    pgcode = "40001"


class QueryCanceled(Exception):
    """What PostgreSQL raises when a statement outlives its timeout: the simulator's bound on a
    search that would take too long (Fault 1)."""

    __module__ = "psycopg2.errors"
    pgcode = "57014"

    def __init__(self) -> None:
        super().__init__("canceling statement due to statement timeout")


def missing_record(model: str, ids: list[int], uid: int) -> MissingError:
    """The MissingError Odoo raises when a write or a compute meets a deleted record."""
    # A recordset's repr: res.partner(7,) or res.partner(7, 8)
    return MissingError(f"Record does not exist or has been deleted.\n(Record: {model}{tuple(ids)!r}, User: {uid})")


def not_null_violation(model: str, description: str, field: str, label: str) -> ValidationError:
    """The ValidationError Odoo makes from a NOT NULL IntegrityError (``odoo/service/model.py``)."""
    return ValidationError(
        "The operation cannot be completed:\n"
        "- Create/update: a mandatory field is not set.\n"
        "- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n"
        f"Model: {description} ({model})\n"
        f"Field: {label} ({field})\n"
    )


def to_fault(error: BaseException, style: FaultStyle) -> xmlrpc.client.Fault:
    """The fault Odoo would answer ``error`` with on a route of the given family."""
    return _int_fault(error) if style == "int" else _string_fault(error)


def _int_fault(error: BaseException) -> xmlrpc.client.Fault:
    # Order matters: AccessError and AccessDenied are UserErrors too.
    if isinstance(error, AccessError):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_ACCESS_ERROR, str(error))
    if isinstance(error, AccessDenied):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_ACCESS_DENIED, str(error))
    if isinstance(error, UserError):
        return xmlrpc.client.Fault(RPC_FAULT_CODE_WARNING, str(error))
    return xmlrpc.client.Fault(RPC_FAULT_CODE_APPLICATION_ERROR, _traceback_text(error))


def _string_fault(error: BaseException) -> xmlrpc.client.Fault:
    # The legacy encoder puts the message in faultCode (a string) and leaves faultString empty.
    fault: xmlrpc.client.Fault
    if isinstance(error, MissingError):
        fault = xmlrpc.client.Fault(f"warning -- MissingError\n\n{error}", "")  # type: ignore[arg-type]
    elif isinstance(error, AccessError):
        fault = xmlrpc.client.Fault(f"warning -- AccessError\n\n{error}", "")  # type: ignore[arg-type]
    elif isinstance(error, AccessDenied):
        fault = xmlrpc.client.Fault("AccessDenied", str(error))  # type: ignore[arg-type]
    elif isinstance(error, UserError):
        fault = xmlrpc.client.Fault(f"warning -- UserError\n\n{error}", "")  # type: ignore[arg-type]
    else:
        fault = xmlrpc.client.Fault(str(error) or type(error).__name__, _traceback_text(error))  # type: ignore[arg-type]
    return fault


def _traceback_text(error: BaseException) -> str:
    if isinstance(error, SerializationFailure):
        # What Odoo sends once its own retries are exhausted; clients match on the last line.
        return (
            "Traceback (most recent call last):\n"
            '  File "/opt/odoo/odoo/service/model.py", line 156, in retrying\n'
            "    result = func()\n"
            f"psycopg2.errors.SerializationFailure: {error}\n"
        )
    return "".join(traceback.format_exception(error))
