"""The httpx webhook sender against real sockets on loopback: answers and their Retry-After, no
redirect followed, network errors as results (never raised), private targets refused on demand."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from atraxion.adapters.webhooks.http_sender import HttpWebhookSender
from tests.e2e.test_serve_smoke import free_port


class Answers(BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("content-length", 0)))
        if self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/ok")
        elif self.path == "/busy":
            self.send_response(503)
            self.send_header("Retry-After", "42")
        else:
            self.send_response(204 if self.headers.get("webhook-id") == "msg_1" else 400)
        self.end_headers()


@pytest.fixture
def base() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Answers)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_answers_are_reported_as_they_came(base: str) -> None:
    sender = HttpWebhookSender(5.0)
    try:
        ok = sender.send(f"{base}/ok", {"webhook-id": "msg_1"}, b"{}")
        assert ok.ok and ok.status == 204 and ok.latency_ms > 0 and ok.error is None
        moved = sender.send(f"{base}/moved", {"webhook-id": "msg_1"}, b"{}")
        assert (moved.status, moved.ok) == (302, False)  # not followed
        busy = sender.send(f"{base}/busy", {}, b"{}")
        assert (busy.status, busy.retry_after) == (503, 42.0)
        refused = sender.send(f"http://127.0.0.1:{free_port()}/x", {}, b"{}")
        assert refused.status is None and refused.error
    finally:
        sender.close()


def test_private_targets_can_be_forbidden(base: str) -> None:
    sender = HttpWebhookSender(5.0, allow_private=False)
    try:
        for url in (f"{base}/ok", "http://localhost:9/x", "http://10.1.2.3/x", "http://169.254.169.254/latest"):
            result = sender.send(url, {"webhook-id": "msg_1"}, b"{}")
            assert result.status is None and "non-public" in (result.error or ""), url
    finally:
        sender.close()
