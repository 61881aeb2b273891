"""Emulator fixtures.

test.sh starts the emulators and passes their URLs in LIBSTS_TEST_EMU_* variables. When a
variable is missing (pytest run by hand), the fixture starts that emulator itself and stops it
at the end of the session.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

ROOT = Path(__file__).resolve().parents[3]
EMULATOR = Path(os.environ.get("LIBSTS_EMULATOR", ROOT / "target" / "release" / "sts-emulator"))

DEFAULT_ID = "AKIDEMULATOREXAMPLE0000000000000000"
DEFAULT_KEY = "emulator-secret-key-EXAMPLE"
# The key pairs written in the vendor's demos, so their configs run unchanged.
DEMO_KEYS = [(DEFAULT_ID, DEFAULT_KEY), ("AKIDPXXX", "EH8xxx"), ("AKIDxx", "EH8oxx"), ("AKIDdemoEnv", "demo-env-key")]
SLOW_LATENCY_MS = 600
OIDC_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJFWEFNUExFIn0.OIDC-TOKEN-EXAMPLE"

# name -> emulator arguments; test.sh starts the same set (keep both in sync).
EMULATORS: Dict[str, List[str]] = {
    "MAIN": [arg for pair in DEMO_KEYS for arg in ("--key", f"{pair[0]}:{pair[1]}")],
    "SLOW": ["--latency-ms", str(SLOW_LATENCY_MS)],
    "LAT200": ["--latency-ms", "200"],
    "HTTP500": ["--always", "http500"],
    "THROTTLE": ["--always", "throttle"],
    "MALFORMED": ["--always", "malformed"],
    "WRONGSHAPE": ["--always", "wrong-shape"],
    "FLAKY": ["--fail-first", "2", "--fail-with", "http503"],
    "HANG": ["--always", "hang"],
    # A temporary key pair: valid only with its session token in X-TC-Token.
    "TEMPORARY": ["--key", "AKIDTEMPORARYEXAMPLE:temporary-key", "--token", "AKIDTEMPORARYEXAMPLE:session-token-EXAMPLE"],
    # tests/test_identity.py: a permanent and a temporary key, and one OIDC provider's token.
    "IDENTITY": [
        "--key", f"{DEFAULT_ID}:{DEFAULT_KEY}",
        "--key", "AKIDTEMPORARYEXAMPLE:temporary-key",
        "--token", "AKIDTEMPORARYEXAMPLE:session-token-EXAMPLE",
        "--web-identity", f"tke-oidc:{OIDC_TOKEN}",
    ],
}

_started: List[subprocess.Popen] = []
_urls: Dict[str, str] = {}


def _start(name: str) -> str:
    if not EMULATOR.exists():
        pytest.fail(f"{EMULATOR} is missing: run `cargo build --release` in {ROOT}")
    proc = subprocess.Popen(
        [str(EMULATOR), "--port", "0", *EMULATORS[name]],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    _started.append(proc)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.fullmatch(r"sts-emulator listening on (http://127\.0\.0\.1:\d+/)\n", line)
    if not match:
        pytest.fail(f"unexpected first line from sts-emulator: {line!r}")
    return match.group(1)


def emulator_url(name: str) -> str:
    if name not in _urls:
        _urls[name] = os.environ.get(f"LIBSTS_TEST_EMU_{name}") or _start(name)
    return _urls[name]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    for proc in _started:
        proc.kill()
        proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


@pytest.fixture
def emu() -> str:
    return emulator_url("MAIN")


@pytest.fixture
def base_config(emu: str) -> Dict[str, object]:
    return {
        "secret_id": DEFAULT_ID,
        "secret_key": DEFAULT_KEY,
        "url": emu,
        "bucket": "example-1250000000",
        "region": "ap-guangzhou",
        "allow_prefix": "dir/*",
        "allow_actions": ["name/cos:PutObject"],
    }


_CHAIN_VARIABLES = (
    "TENCENTCLOUD_METADATA_ENDPOINT", "TENCENTCLOUD_CREDENTIALS_FILE", "TENCENTCLOUD_PROFILE",
    "TKE_PROVIDER_ID", "TKE_ROLE_ARN", "TKE_WEB_IDENTITY_TOKEN_FILE", "TKE_IDENTITY_TOKEN_FILE", "TKE_REGION",
)


@pytest.fixture(autouse=True)
def _no_env_secrets(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Tests decide themselves whether the env fallback is in play.
    monkeypatch.delenv("TENCENTCLOUD_SECRET_ID", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SECRET_KEY", raising=False)
    monkeypatch.delenv("TENCENTCLOUD_SESSION_TOKEN", raising=False)
    # A call with no key ends the credential chain at the CVM metadata server: never from a test,
    # also when pytest runs without test.sh; nor may the machine's TKE or profile setup leak in.
    monkeypatch.setenv("TENCENTCLOUD_METADATA_DISABLED", "true")
    for name in _CHAIN_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield


class Trap:
    """A TCP listener that answers nothing and counts connections: proof that nothing was sent."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.sock = socket.create_server((host, port))
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def trap() -> Iterator[Trap]:
    listener = Trap()
    yield listener
    listener.close()
