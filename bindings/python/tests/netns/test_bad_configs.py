"""The shared bad configs (tests/data/bad_configs.json): refused with the core's message, nothing sent.

Runs only inside scripts/netns.sh (a fresh network namespace where 10.200.0.1 is a local trap
address), because the cases name non-loopback URLs: bindings/python/test.sh runs it that way,
with an emulator started inside the namespace (LIBSTS_TEST_EMU_BAD, its log LIBSTS_TEST_EMU_BAD_LOG).
"""

from __future__ import annotations

import json
import os
import re
import socket
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import libsts
from libsts import Sts, StsConfigError, StsError, _config

from conftest import DEFAULT_ID, DEFAULT_KEY, ROOT, Trap

TRAP_ADDRESS = "10.200.0.1"
DATA = ROOT / "tests" / "data" / "bad_configs.json"
CASES: List[Dict[str, Any]] = json.loads(DATA.read_text(encoding="utf-8"))["cases"]


def _in_trap_namespace() -> bool:
    if os.environ.get("STS_IN_NETNS") != "1":
        return False
    try:
        socket.create_server((TRAP_ADDRESS, 0)).close()
    except OSError:
        return False
    return True


if not _in_trap_namespace():
    pytest.fail(
        f"{__file__} names non-loopback addresses: run it through scripts/netns.sh (bindings/python/test.sh does)",
        pytrace=False,
    )


def _env(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: start an emulator inside the namespace (see bindings/python/test.sh)")
    return value


def emulator_requests() -> int:
    """Requests the namespace's emulator has logged (one stderr line each)."""
    return Path(_env("LIBSTS_TEST_EMU_BAD_LOG")).read_text(encoding="utf-8").count("sts-emulator: ")


@pytest.fixture(scope="module")
def traps() -> Iterator[List[Trap]]:
    # A listener on every port the cases name, on the trap address and on loopback: a request
    # that a regression lets through lands here instead of nowhere, and is counted.
    ports = sorted({int(p) for p in re.findall(r":(\d{2,5})\b", DATA.read_text(encoding="utf-8"))})
    listeners = [Trap(host, port) for host in (TRAP_ADDRESS, "127.0.0.1") for port in ports]
    yield listeners
    for listener in listeners:
        listener.close()


def base_config() -> Dict[str, Any]:
    return {
        "secret_id": DEFAULT_ID,
        "secret_key": DEFAULT_KEY,
        "url": _env("LIBSTS_TEST_EMU_BAD"),
        "bucket": "example-1250000000",
        "region": "ap-guangzhou",
        "allow_prefix": "dir/*",
        "allow_actions": ["name/cos:PutObject"],
        "retries": 0,
        "timeout_ms": 2000,
    }


def merged(changes: Dict[str, Any]) -> Dict[str, Any]:
    config = base_config()
    config.update(changes)
    return {k: v for k, v in config.items() if v is not None}


def test_the_base_config_is_sent_and_logged(traps: List[Trap]) -> None:
    # Control: the base config succeeds and the emulator's log shows it, so "nothing logged"
    # below means nothing was sent, and each refusal is due to the case's change.
    before = emulator_requests()
    result = Sts(base_config()).get_credential()
    assert result["credentials"]["tmpSecretId"]
    deadline = time.monotonic() + 5
    while emulator_requests() == before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emulator_requests() == before + 1
    assert sum(t.connections for t in traps) == 0


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_config_is_refused_with_the_cores_message(case: Dict[str, Any], traps: List[Trap]) -> None:
    config = merged(case["config"])
    before = emulator_requests()
    connections = sum(t.connections for t in traps)
    with pytest.raises(StsError) as info:
        Sts(config).get_credential()
    e = info.value
    assert isinstance(e, StsConfigError) and isinstance(e, ValueError), f"{type(e).__name__}: {e}"
    assert e.code == "Client.InvalidArgument" and e.status == libsts.STS_INVALID_ARGUMENT
    assert e.message.startswith(f"{case['field']}: "), e.message
    assert case["contains"] in e.message, e.message
    # The core's message, unchanged: what sts_check_config itself says about the same config.
    code, out = _config.check(list(config.items()))
    assert code == libsts.STS_INVALID_ARGUMENT and out["error"]["message"] == e.message
    assert emulator_requests() == before, "the emulator received a request"
    assert sum(t.connections for t in traps) == connections, "a trap listener received a connection"
    assert DEFAULT_KEY not in str(e)
