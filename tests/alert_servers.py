"""Real endpoints for alert tests: an SMTP server (aiosmtpd) and an HTTP webhook on localhost."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Mailbox:
    """What the SMTP server received: parsed messages and their envelopes."""

    messages: list = field(default_factory=list)
    envelopes: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.envelopes.append(
            {"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "auth": session.auth_data}
        )
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"

    def bodies(self) -> list[str]:
        return [m.get_body(preferencelist=("plain",)).get_content() for m in self.messages]

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]

    def clear(self) -> None:
        self.messages.clear()
        self.envelopes.clear()


class SmtpServer:
    def __init__(self, **smtp_kwargs):
        self.mailbox = Mailbox()
        self.port = free_port()
        self.controller = Controller(
            self.mailbox, hostname="127.0.0.1", port=self.port, **smtp_kwargs
        )

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


@dataclass
class Webhook:
    """What the HTTP endpoint received: the JSON bodies posted to it."""

    posts: list = field(default_factory=list)
    status: int = 200
    url: str = ""

    def clear(self) -> None:
        self.posts.clear()


def _handler(hook: Webhook):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.posts.append(
                {"path": self.path, "content_type": self.headers["Content-Type"],
                 "json": json.loads(body.decode("utf-8"))}
            )  # fmt: skip
            self.send_response(hook.status)
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler


class WebhookServer:
    def __init__(self):
        self.hook = Webhook()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.hook))
        self.hook.url = f"http://127.0.0.1:{self.server.server_address[1]}/alerts"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def smtp_server():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def webhook_server():
    with WebhookServer() as server:
        yield server


@pytest.fixture
def alert_env(hansyn_env, monkeypatch, smtp_server, webhook_server):
    """hansyn_env with alerts going to the local SMTP server and webhook; yields both inboxes."""
    monkeypatch.setenv("HANSYN_ALERT_TO", "projektkontoret@example.se,analytiker@example.se")
    monkeypatch.setenv("HANSYN_ALERT_FROM", "hansyn@example.se")
    monkeypatch.setenv("HANSYN_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("HANSYN_SMTP_PORT", str(smtp_server.port))
    monkeypatch.setenv("HANSYN_SMTP_STARTTLS", "false")
    monkeypatch.setenv("HANSYN_ALERT_WEBHOOK_URL", webhook_server.hook.url)
    monkeypatch.setenv("HANSYN_DAGSTER_URL", "http://dagster.example:3000")
    return smtp_server.mailbox, webhook_server.hook


def wait_for(condition, seconds: float = 5.0) -> bool:
    """True as soon as condition() holds; False if it still does not after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def assert_nothing_sent(mailbox: Mailbox, hook: Webhook) -> None:
    """No alert reached either endpoint, checked at once: delivery is synchronous. smtplib's
    send returns after the server's 250, which aiosmtpd sends after handle_DATA stored the
    message; the webhook handler stores the post before it answers. So once the sender has
    returned (or its process exited), whatever it sent is here already: waiting adds nothing."""
    assert mailbox.subjects() == []
    assert hook.posts == []
