"""The record explorer: find by externalId or Odoo id; current data; the version history; field by
field what each consumer has not yet acknowledged; the partner tree."""

from __future__ import annotations

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from atraxion.application.explorer import find_record
from atraxion.application.partners import partner_tree
from atraxion.domain.errors import NotFound, UnknownEntity
from atraxion.domain.users import User
from atraxion.entrypoints.admin.web import Refused, app_of, page, render
from atraxion.entrypoints.http.body import bounded_int


async def records(request: Request, user: User) -> Response:
    ctx = app_of(request).context
    query = request.query_params
    entity = query.get("entity", "products")
    key = (query.get("key") or "").strip()[:511] or None
    odoo_text = (query.get("odoo_id") or "").strip()
    odoo_id = bounded_int(odoo_text, 1) if odoo_text else None
    if odoo_text and odoo_id is None:
        raise Refused(422, "an Odoo id is a positive whole number")
    found, tree, searched = None, None, key is not None or odoo_id is not None
    if searched:
        try:
            found = await run_in_threadpool(find_record, ctx, entity, key, odoo_id)
        except UnknownEntity as error:
            raise Refused(422, str(error)) from None
        if found is not None and entity == "partners" and not found.record.deleted:
            try:
                tree = await run_in_threadpool(partner_tree, ctx, found.record.key)
            except NotFound:
                tree = None
    data = json.dumps(found.record.data, indent=2, ensure_ascii=False, sort_keys=True) if found else None
    envelope = json.dumps(found.record.envelope, indent=2, ensure_ascii=False, sort_keys=True) if found else None
    return render(
        request,
        "records.html",
        user=user,
        entities=sorted(ctx.kinds),
        entity=entity,
        key=key or "",
        odoo_id=odoo_text[:19],
        found=found,
        searched=searched,
        data=data,
        envelope=envelope,
        tree=tree,
    )


routes = [
    Route("/admin/records", page(records), methods=["GET"]),
]
