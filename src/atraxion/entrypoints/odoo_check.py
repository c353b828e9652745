"""``atraxion odoo check``: print the server version, protocol, user and access to each pulled model.

Exit 0 when all is well; otherwise 1 (Odoo answered, but something is wrong or unreachable) or 2
(the settings themselves are incomplete), with one clear line on stderr and no traceback.
"""

from __future__ import annotations

import sys

from atraxion.application.odoo_check import check_odoo
from atraxion.bootstrap import odoo_gateway
from atraxion.config import Settings
from atraxion.domain.odoo_orders import OdooError, TransientOdooError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def run_check(settings: Settings) -> int:
    try:
        gateway = odoo_gateway(settings)
    except ValueError as error:  # missing settings, an unknown protocol, a URL that is no URL
        return _fail(str(error), EXIT_USAGE)
    if gateway is None:
        return _fail("ODOO_URL is not set: nothing to check", EXIT_USAGE)
    try:
        result = check_odoo(gateway)
    except TransientOdooError as error:
        return _fail(f"cannot reach Odoo at {settings.odoo_url}: {error}", EXIT_FAILED)
    except OdooError as error:
        return _fail(str(error), EXIT_FAILED)
    finally:
        close = getattr(gateway, "close", None)
        if callable(close):
            close()
    who = result.identity
    database = f" (database {who.database!r})" if who.database else ""
    print(f"server    Odoo {who.server_version} at {who.url}{database}")
    print(f"protocol  {who.protocol}")
    print(f"user      {who.login} ({who.name}, uid {who.uid})")
    for number, access in enumerate(result.access):
        label = "access" if number == 0 else ""
        state = "readable" if access.readable else "NOT READABLE"
        print(f"{label:<9} {access.entity:<16} {access.model:<24} {state}")
    if not result.ok:
        missing = ", ".join(f"{a.model} ({a.entity})" for a in result.unreadable)
        return _fail(f"user {who.login!r} cannot read {missing}", EXIT_FAILED)
    return EXIT_OK


def _fail(message: str, code: int) -> int:
    print(f"atraxion odoo check: {message}", file=sys.stderr)
    return code
