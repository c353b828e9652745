"""A real webhook receiver on loopback, built from the two Python blocks of ``docs/webhooks.md`` run
as written: its own signature check (no code of Atraxion's) and a five-minute replay tolerance.

:class:`LoopbackReceiver` serves the docs' ``Receiver`` on a free port in a thread, records every
request it got (headers, raw body, the status it answered) and can be told to answer an error.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from attrs import define, field

DOC = Path(__file__).parents[2] / "docs" / "webhooks.md"


def docs_blocks() -> list[str]:
    """The ```python blocks of docs/webhooks.md, in order."""
    return re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.DOTALL)


def receiver_namespace(secret: str) -> dict[str, Any]:
    """The docs' verification function and receiver, run as written (not as ``__main__``), with
    ``SECRET`` set as the page tells the reader to."""
    namespace: dict[str, Any] = {"__name__": "webhook_receiver_docs"}
    for block in docs_blocks():
        exec(compile(block, str(DOC), "exec"), namespace)  # noqa: S102 - the docs' own code
    namespace["SECRET"] = secret
    return namespace


@define
class Seen:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int


@define
class LoopbackReceiver:
    namespace: dict[str, Any]
    server: ThreadingHTTPServer
    requests: list[Seen] = field(factory=list)
    fail_with: int | None = None  # answer this status to every request, without looking at it
    lock: threading.Lock = field(factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hook"

    @property
    def received(self) -> list[dict[str, Any]]:
        """The events the docs' receiver accepted (once per webhook-id)."""
        return list(self.namespace["received"])

    def accepted(self) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if 200 <= r.status < 300]

    def answered(self, status: int) -> list[Seen]:
        with self.lock:
            return [r for r in self.requests if r.status == status]


@contextmanager
def loopback_receiver(secret: str) -> Iterator[LoopbackReceiver]:
    namespace = receiver_namespace(secret)
    base = namespace["Receiver"]
    box: list[LoopbackReceiver] = []

    class Recording(base):  # type: ignore[misc, valid-type]
        def log_message(self, *args: object) -> None:  # quiet test output
            pass

        def do_POST(self) -> None:
            receiver = box[0]
            if receiver.fail_with is not None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                self.send_response(receiver.fail_with)
                self.end_headers()
                self._record(receiver, b"", receiver.fail_with)
                return
            self._captured = b""
            original = self.rfile.read

            def read(n: int = -1) -> bytes:
                data = original(n)
                self._captured += data
                return data

            self.rfile.read = read  # type: ignore[method-assign]
            super().do_POST()

        def send_response(self, code: int, message: str | None = None) -> None:
            self._status = code
            super().send_response(code, message)

        def end_headers(self) -> None:
            super().end_headers()
            if box[0].fail_with is None and hasattr(self, "_status"):
                self._record(box[0], getattr(self, "_captured", b""), self._status)

        def _record(self, receiver: LoopbackReceiver, body: bytes, status: int) -> None:
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                receiver.requests.append(Seen(self.path, headers, body, status))

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    box.append(LoopbackReceiver(namespace, server))
    thread = threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True)
    thread.start()
    try:
        yield box[0]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
