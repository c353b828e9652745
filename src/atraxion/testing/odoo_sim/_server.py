"""The HTTP side: a threaded server with Odoo's XML-RPC routes that can stop listening at will.

``/xmlrpc/2/<service>`` answers faults with integer codes, the legacy ``/xmlrpc/<service>``
with string codes. Each connection carries one request (HTTP/1.0), which keeps shutdown quick.

Hardening: a connection that sends nothing for ``idle_timeout`` seconds is closed; closing the
listener stops reading from every open connection (idle and half-sent ones end at once, calls
being handled still answer) and waits at most a few seconds for them; a bad or oversized gzip
body is answered 400/413; the ``/simulator`` control route answers 403 unless the listener is on
a loopback address or remote control was allowed.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import selectors
import socket
import socketserver
import threading
import time
import xmlrpc.client
from http.server import BaseHTTPRequestHandler, HTTPServer

from atraxion.testing.odoo_sim._app import CONTROL_SERVICE, Drop, HttpError, Reply, RpcApp
from atraxion.testing.odoo_sim._errors import FaultStyle
from atraxion.testing.odoo_sim._web import WebReply, is_web_path

logger = logging.getLogger(__name__)

_ROUTE = re.compile(r"^/xmlrpc/(?:(?P<two>2)/)?(?P<service>[A-Za-z_]+)/?$|^/(?P<control>simulator)/?$")
_MAX_BODY = 32 * 1024 * 1024
IDLE_TIMEOUT = 10.0
"""Seconds a connection may stay silent (before or within its request) before it is closed."""
CLOSE_WAIT = 5.0
"""Seconds closing the listener waits for the calls still being handled."""


class _HttpServer(HTTPServer):
    """One thread per connection, tracked, so that closing can end idle connections (the
    ThreadingMixIn's ``server_close`` would wait for them forever)."""

    allow_reuse_address = True
    # socketserver's default backlog of 5 drops SYNs under a few concurrent workers, and each
    # dropped SYN costs the client a one-second retransmit.
    request_queue_size = 128
    timeout = 0.1  # handle_request() gives up if a connection vanished between select and accept

    def __init__(self, address: tuple[str, int], app: RpcApp, *, idle_timeout: float, allow_control: bool) -> None:
        self.app = app
        self.idle_timeout = idle_timeout
        self.allow_control = allow_control
        self._connections: dict[threading.Thread, socket.socket] = {}
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), name="odoo-sim-request", daemon=True
        )
        with self._connections_lock:
            self._connections[thread] = request
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: object) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(threading.current_thread(), None)

    def close_connections(self, wait: float) -> None:
        """Stop reading from every open connection and wait up to ``wait`` s for their threads."""
        with self._connections_lock:
            connections = list(self._connections.items())
        for _thread, connection in connections:
            try:
                connection.shutdown(socket.SHUT_RD)  # a blocked read returns end-of-file at once
            except OSError:
                pass
        deadline = time.monotonic() + wait
        for thread, _connection in connections:
            thread.join(max(0.0, deadline - time.monotonic()))

    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (timeout, reset) is part of the game; don't print tracebacks.
        logger.debug("request from %s failed", client_address, exc_info=True)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3"

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_timeout)  # reads of the request give up then

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        if is_web_path(path):
            self._web("POST", path)
            return
        match = _ROUTE.match(path)
        if match is None:
            self._plain(404, "Not Found")
            return
        if match["control"] and not self.server.allow_control:
            self._plain(403, "Forbidden")
            return
        body = self._body()
        if body is None:
            return
        if self.headers.get("Content-Encoding", "").lower() == "gzip":
            try:
                body = xmlrpc.client.gzip_decode(body, max_decode=_MAX_BODY)
            except ValueError as error:
                too_big = "max gzipped payload length exceeded" in str(error)
                self._plain(*((413, "Request Entity Too Large") if too_big else (400, "Bad Request")))
                return
            except Exception:  # a truncated stream is an EOFError, a bad header an OSError …
                self._plain(400, "Bad Request")
                return
        style: FaultStyle = "int" if match["two"] or match["control"] else "string"
        outcome = self.server.app.handle(style, match["service"] or CONTROL_SERVICE, body)
        if isinstance(outcome, Drop):
            self.close_connection = True  # the server closes the socket, unanswered
        elif isinstance(outcome, HttpError):
            self._plain(outcome.status, outcome.reason)
        elif isinstance(outcome, Reply):
            self.send_response(200)
            self.send_header("Content-Type", "text/xml; charset=utf-8")
            self.send_header("Content-Length", str(len(outcome.body)))
            self.end_headers()
            self.wfile.write(outcome.body)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if is_web_path(path):
            self._web("GET", path)
            return
        self._not_posted(path)

    def do_PUT(self) -> None:
        self._other_verb("PUT")

    def do_PATCH(self) -> None:
        self._other_verb("PATCH")

    def do_DELETE(self) -> None:
        self._other_verb("DELETE")

    def _other_verb(self, verb: str) -> None:
        path = self.path.split("?", 1)[0]
        if is_web_path(path):
            self._web(verb, path)
        else:
            self._not_posted(path)

    def _not_posted(self, path: str) -> None:
        # The RPC routes are POST only; any other path is Odoo's 404 page.
        if _ROUTE.match(path):
            self._plain(405, "Method Not Allowed")
        else:
            self._plain(404, "Not Found")

    def _body(self) -> bytes | None:
        """The request body, or None after answering 411/413/408."""
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            self._plain(411, "Length Required")
            return None
        if int(length) > _MAX_BODY:
            self._plain(413, "Request Entity Too Large")
            return None
        try:
            return self.rfile.read(int(length))
        except TimeoutError:
            self._plain(408, "Request Timeout")
            return None

    def _web(self, verb: str, path: str) -> None:
        body = b""
        if verb == "POST":
            read = self._body()
            if read is None:
                return
            body = read
        reply: WebReply = self.server.app.web.handle(verb, path, self.headers, body)
        if reply.body is None:
            self.close_connection = True  # committed, then the server closes the socket unanswered
            return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    def _plain(self, status: int, reason: str) -> None:
        body = f"<html><body><h1>{status} {reason}</h1></body></html>".encode()
        self.send_response(status, reason)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s - " + format, self.address_string(), *args)


class Listener:
    """Serves an :class:`RpcApp` on a port, in a background thread; can refuse and resume.

    Its own accept loop wakes on a socket pair to stop, so stopping takes no polling interval
    (``serve_forever`` would cost tests 50 ms a simulator).
    """

    def __init__(
        self,
        app: RpcApp,
        host: str,
        port: int,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        allow_remote_control: bool = False,
    ) -> None:
        allow_control = allow_remote_control or is_loopback(host)
        self._server = _HttpServer((host, port), app, idle_timeout=idle_timeout, allow_control=allow_control)
        self._wake_reader, self._wake_writer = socket.socketpair()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._halting = False
        self._listening = True
        self._closed = False
        self._serve()

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def refuse(self) -> None:
        """Close the listening socket: new connections are refused until :meth:`resume`."""
        with self._lock:
            if self._closed or not self._listening:
                return
            self._halt()
            self._server.socket.close()
            self._listening = False

    def resume(self) -> None:
        """Listen again on the same address."""
        with self._lock:
            if self._closed or self._listening:
                return
            server = self._server
            server.socket = socket.socket(server.address_family, server.socket_type)
            server.server_bind()
            server.server_activate()
            self._listening = True
            self._serve()

    def close(self) -> None:
        """Stop listening and wait for the requests in flight."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            if self._listening:
                self._halt()
            self._server.server_close()
            self._server.close_connections(CLOSE_WAIT)
            self._wake_reader.close()
            self._wake_writer.close()

    def _serve(self) -> None:
        self._halting = False
        self._thread = threading.Thread(target=self._accept_loop, name="odoo-sim", daemon=True)
        self._thread.start()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._server.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while True:
                ready = selector.select()
                if self._halting:
                    return
                if any(key.fileobj is self._server.socket for key, _events in ready):
                    self._server.handle_request()  # ready, so this accepts without waiting

    def _halt(self) -> None:
        self._halting = True
        self._wake_writer.send(b"\0")
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._wake_reader.recv(64)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names only this machine (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
