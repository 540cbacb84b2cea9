"""localstripe, the stand-in Stripe the payment tests talk to (test-only, GPL; pinned in
requirements-dev.txt). Started once per session on 127.0.0.1 only, reset before each
test; the ``stripe`` library is pointed at it, never mocked.

Import the fixtures where needed: ``from tests.stripe_fixtures import ...``."""

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
import stripe

STATE_FILE = Path("/tmp/localstripe.pickle")
SECRET_KEY = "sk_test_wuye_localstripe"
PUBLISHABLE_KEY = "pk_test_wuye_localstripe"
WEBHOOK_SECRET = "whsec_wuye_test_secret"
WEBHOOK_NAME = "wuye"
# Where deliveries go while no live server is listening: a closed port, so nothing lands.
NOWHERE = "http://127.0.0.1:9/"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(method: str, url: str, data: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return response.status, response.read()


class LocalStripe:
    def __init__(self, base: str):
        self.base = base

    def reset(self) -> None:
        _request("DELETE", f"{self.base}/_config/data")

    def send_webhooks_to(self, url: str) -> None:
        _request(
            "POST",
            f"{self.base}/_config/webhooks/{WEBHOOK_NAME}",
            {"url": url, "secret": WEBHOOK_SECRET},
        )

    def card_token(self, number: str) -> str:
        """What Stripe.js's createToken does in the browser: the card goes to Stripe
        (here localstripe) with the publishable key, and a token comes back."""
        _, body = _request(
            "POST",
            f"{self.base}/v1/tokens",
            {
                "key": PUBLISHABLE_KEY,
                "card[number]": number,
                "card[exp_month]": "12",
                "card[exp_year]": "2030",
                "card[cvc]": "123",
            },
        )
        return json.loads(body)["id"]


@pytest.fixture(scope="session")
def localstripe_server():
    STATE_FILE.unlink(missing_ok=True)
    port = _free_port()
    code = (
        "import aiohttp.web; from localstripe.server import app; "
        f"aiohttp.web.run_app(app, host='127.0.0.1', port={port}, print=None)"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            _request("GET", f"{base}/js.stripe.com/v3/")
            break
        except (urllib.error.URLError, ConnectionError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("localstripe did not start")
            time.sleep(0.1)
    try:
        yield LocalStripe(base)
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
        STATE_FILE.unlink(missing_ok=True)


@pytest.fixture
def localstripe(localstripe_server, settings):
    """A clean localstripe, the project's Stripe settings pointed at it, and webhooks
    delivered nowhere (tests that want them use ``stripe_webhooks``)."""
    localstripe_server.reset()
    localstripe_server.send_webhooks_to(NOWHERE)
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe_server.base
    settings.STRIPE_JS_URL = f"{localstripe_server.base}/js.stripe.com/v3/"
    previous = stripe.api_base
    stripe.api_base = localstripe_server.base
    yield localstripe_server
    stripe.api_base = previous
    localstripe_server.send_webhooks_to(NOWHERE)


@pytest.fixture
def stripe_webhooks(localstripe, live_server):
    """localstripe POSTs signed events to the project's webhook on the live server."""
    localstripe.send_webhooks_to(f"{live_server.url}/payments/stripe/webhook/")
    return localstripe
