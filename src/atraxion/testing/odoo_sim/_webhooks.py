"""Odoo's automation webhooks: after each committed change of a watched record, one POST.

Odoo sends them from an automation rule whose action is a "Send Webhook Notification" server
action (``ir.actions.server`` state ``webhook``, ``_run_action_webhook`` in
odoo/addons/base/models/ir_actions.py): one POST per record, the body
``json.dumps({"_model", "_id", "_action": "<action name>(#<action id>)"} | record.read(fields,
load=None)[0], sort_keys=True, default=str)``, ``Content-Type: application/json`` only, a
timeout of 1 s and no retry: a failure is only logged. Here a rule exists for each of create,
write, archive, unarchive and unlink of ``product.product`` and ``res.partner`` (an archive is
reported as an archive, not also as a write), and the POSTs go out from a background thread in
commit order, so no call ever waits for the receiver.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.request
from collections.abc import Iterable, Mapping, Sequence

from atraxion.testing.odoo_sim._store import Change

logger = logging.getLogger(__name__)

DEFAULT_FIELDS: Mapping[str, Sequence[str]] = {
    "product.product": ("default_code", "barcode", "name", "list_price", "active", "write_date"),
    "res.partner": ("ref", "name", "email", "parent_id", "type", "active", "write_date"),
}
"""The fields each rule's action sends (its ``webhook_field_ids``); ``id`` comes with any read."""

# (model, action) -> (server action id, server action name), as an admin would have set them up.
ACTIONS: Mapping[tuple[str, str], tuple[int, str]] = {
    (model, action): (base + offset, f"Notify Atraxion: {label} {verb}")
    for model, label, base in (("product.product", "product", 10), ("res.partner", "contact", 20))
    for offset, (action, verb) in enumerate(
        (("create", "created"), ("write", "updated"), ("archive", "archived"), ("unarchive", "unarchived"),
         ("unlink", "deleted")), start=1
    )
}  # fmt: skip
_QUEUE_SIZE = 100_000
_TIMEOUT = 1.0


class WebhookSender:
    """Turns committed changes into webhook bodies and POSTs them to ``url`` in order, off-thread."""

    def __init__(self, url: str, fields: Mapping[str, Sequence[str]] | None = None, *, timeout: float = _TIMEOUT):
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"a webhook URL is http(s)://…, not {url!r}")
        self.url = url
        chosen = fields if fields is not None else DEFAULT_FIELDS
        unknown = sorted(set(chosen) - {model for model, _action in ACTIONS})
        if unknown:
            raise ValueError(f"webhooks exist for product.product and res.partner, not {', '.join(unknown)}")
        self.fields = {model: tuple(names) for model, names in chosen.items()}
        self.timeout = timeout
        self._queue: queue.Queue[bytes | None] = queue.Queue(_QUEUE_SIZE)
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0

    def body(self, change: Change) -> bytes:
        """The POST body for one change, byte for byte as Odoo builds it."""
        action_id, name = ACTIONS[(change.model, change.action)]
        values = {"_model": change.model, "_id": change.id, "_action": f"{name}(#{action_id})"}
        values.update({"id": change.id, **{k: change.row[k] for k in self.fields[change.model] if k in change.row}})
        return json.dumps(values, sort_keys=True, default=str).encode()

    def __call__(self, changes: Iterable[Change]) -> None:
        """Queue the POSTs for committed changes (the store calls this under its lock: no I/O)."""
        for change in changes:
            if (change.model, change.action) not in ACTIONS or change.model not in self.fields:
                continue
            try:
                self._queue.put_nowait(self.body(change))
            except queue.Full:
                logger.warning("webhook queue full: dropped %s %s(%s)", change.action, change.model, change.id)
        self._ensure_running()

    def close(self, wait: float = 2.0) -> None:
        """Stop the sender after the POSTs already queued, waiting at most ``wait`` seconds."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._queue.put(None)
            thread.join(wait)

    def _ensure_running(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="odoo-sim-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while (body := self._queue.get()) is not None:
            request = urllib.request.Request(
                self.url, data=body, headers={"Content-Type": "application/json"}, method="POST"
            )
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as answer:  # noqa: S310 - http(s) only
                    answer.read()
                self.sent += 1
            except Exception as error:  # Odoo only logs a failed webhook, and never retries it
                self.failed += 1
                logger.warning("webhook POST to %s failed: %s", self.url, error)
