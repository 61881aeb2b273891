"""The README's upload endpoint example, run as written (extracted from README.md) against the
emulator on 127.0.0.1, and libsts.cache_clear() seen on the wire."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, Tuple

import pytest

import libsts
from libsts import Sts

from conftest import DEFAULT_ID, DEFAULT_KEY, emulator_url
from test_identity import Relay

README = Path(__file__).resolve().parents[1] / "README.md"
MARKER = "# upload_server.py: "


def example() -> str:
    """The one ```python block of the README whose first line is MARKER."""
    blocks = [b for b in re.findall(r"^```python\n(.*?)^```$", README.read_text(encoding="utf-8"), re.M | re.S)
              if b.startswith(MARKER)]
    assert len(blocks) == 1, f"README.md has {len(blocks)} python blocks starting with {MARKER!r}"
    return blocks[0]


def start(tmp_path: Path, sts_url: str) -> Tuple[subprocess.Popen, str]:
    script = tmp_path / "upload_server.py"
    script.write_text(example(), encoding="utf-8")
    env = dict(os.environ, STS_URL=sts_url, PORT="0",
               TENCENTCLOUD_SECRET_ID=DEFAULT_ID, TENCENTCLOUD_SECRET_KEY=DEFAULT_KEY)
    proc = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    m = re.fullmatch(r"listening on (http://127\.0\.0\.1:(\d+))\n", line)
    if not m:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        pytest.fail(f"the example did not start: {line!r} {err[-2000:]}")
    return proc, m.group(2)


def post(port: str, body: Any) -> Tuple[int, Dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    try:
        conn.request("POST", "/upload-credential", json.dumps(body), {"Content-Type": "application/json"})
        answer = conn.getresponse()
        return answer.status, json.loads(answer.read())
    finally:
        conn.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    proc, port = start(tmp_path, emulator_url("MAIN"))
    yield port
    proc.kill()
    proc.communicate(timeout=10)


def test_the_readme_example_issues_one_key(server: str) -> None:
    status, body = post(server, {"filename": "Holiday.JPG"})
    assert status == 200, body
    assert body["bucket"] == "example-1250000000" and body["region"] == "ap-guangzhou"
    assert re.fullmatch(r"uploads/\d{8}/[0-9a-f]{16}\.jpg", body["key"]), body["key"]
    assert body["credentials"]["tmpSecretId"].startswith("AKID") and body["credentials"]["sessionToken"]
    again = post(server, {"filename": "b.png"})[1]["key"]
    assert again.endswith(".png") and again != body["key"]


def test_the_readme_example_refuses_an_extension_naming_the_field(server: str) -> None:
    status, body = post(server, {"filename": "run.exe"})
    assert status == 400
    assert body["error"].startswith("upload.ext: ") and "jpg" in body["error"], body
    status, body = post(server, {"filename": "no-extension"})
    assert status == 400 and body["error"].startswith("upload.ext: "), body
    assert post(server, {"name": "x.jpg"}) == (400, {"error": "filename: expected a string"})


@pytest.mark.parametrize("emulator, expected", [("THROTTLE", 502), ("HANG", 504)])
def test_the_readme_example_maps_sts_failures(tmp_path: Path, emulator: str, expected: int) -> None:
    proc, port = start(tmp_path, emulator_url(emulator))
    try:
        status, body = post(port, {"filename": "a.jpg"})
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=10)
    assert status == expected, body
    assert DEFAULT_KEY not in json.dumps(body) and DEFAULT_KEY not in err


def test_cache_clear_sends_a_new_request() -> None:
    relay = Relay(emulator_url("MAIN"))
    try:
        sts = Sts({
            "secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": relay.url, "cache": True,
            "bucket": "example-1250000000", "region": "ap-guangzhou", "duration_seconds": 3600,
            "allow_prefix": "cache-clear/*", "allow_actions": ["name/cos:GetObject"],
        })
        first = sts.get_credential()
        assert sts.get_credential() == first and len(relay.requests) == 1, "the second call is a cache hit"
        libsts.cache_clear()
        fresh = sts.get_credential()
        assert len(relay.requests) == 2, "after cache_clear the same call asks STS again"
        assert fresh["credentials"]["tmpSecretId"] != first["credentials"]["tmpSecretId"]
        assert sts.get_credential() == fresh and len(relay.requests) == 2, "and fills the cache again"
    finally:
        relay.close()
