"""The ctypes layer: library loading, string ownership, encodings, threads."""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest

import libsts
from libsts import Scope, Sts, StsError, _ffi

from conftest import DEFAULT_ID, DEFAULT_KEY, ROOT


def test_loads_the_library_named_by_libsts_path() -> None:
    expected = os.environ.get("LIBSTS_PATH")
    if expected:
        assert libsts.library_path() == expected
    assert libsts.library_version() == "0.1.0"


def run_python(code: str, **env_changes: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LIBSTS_PATH"}
    env.update(env_changes)
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=str(ROOT), capture_output=True, text=True, timeout=60)


def test_bundled_library_needs_no_environment() -> None:
    # `pip install ./bindings/python` ships libsts.so inside the package.
    result = run_python(
        "import libsts, os; from libsts import Sts, Scope;"
        "p = libsts.library_path(); assert os.path.dirname(p) == os.path.dirname(libsts.__file__), p;"
        "print(Sts.get_policy([Scope('a', 'example-1250000000', 'ap-guangzhou', 'p')])['statement'][0]['resource'][0])"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/p"


def test_missing_library_is_a_clear_import_error() -> None:
    result = run_python("import libsts; libsts.library_version()", LIBSTS_PATH="/nonexistent/libsts.so")
    assert result.returncode != 0
    assert "ImportError: libsts: cannot load the C library: LIBSTS_PATH='/nonexistent/libsts.so' does not exist" in result.stderr


def test_embedded_nul_is_rejected() -> None:
    # ctypes would cut the string at the NUL and the library would see another input.
    with pytest.raises(ValueError, match="NUL"):
        _ffi.call_raw("sts_get_policy", '[{"action":"a"}]\x00]')


def test_unencodable_text_is_rejected() -> None:
    with pytest.raises(ValueError, match="UTF-8"):
        _ffi.call_raw("sts_get_policy", '["\ud800"]')
    with pytest.raises(ValueError, match="UTF-8"):
        Sts.get_policy([Scope("a", "example-1250000000", "ap-guangzhou", "\udcff")])


def test_non_ascii_round_trips() -> None:
    prefix = "目录/文件 ü😀/*"
    policy = Sts.get_policy([Scope("name/cos:GetObject", "example-1250000000", "ap-guangzhou", prefix)])
    assert policy["statement"][0]["resource"] == [f"qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/{prefix}"]


def test_blocking_calls_take_bytes_only() -> None:
    # The blocking path declares no argtypes: a str would reach the core as wchar_t *.
    with pytest.raises(TypeError, match="sts_get_policy takes bytes, not str"):
        _ffi.call_bytes("sts_get_policy", "[]")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="takes bytes, not bytearray"):
        _ffi.call_json("sts_get_policy", bytearray(b"[]"))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        '[{"action":"name/cos:GetObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"a"}]',
        '[{"action":"name/cos:GetObject","bucket":"example-1250000000","region":"ap-guangzhou","prefix":"目录/ü😀"}]',
        '[{"action":"name/cos:GetObject","bucket":"example-x","region":"ap-guangzhou","prefix":"a"}]',
        "{not json",
        "[]",
    ],
)
def test_call_json_decodes_as_parse_does(text: str) -> None:
    # call_json's inline decoding is parse's, for ASCII and non-ASCII answers and errors alike.
    data = text.encode("utf-8")
    assert _ffi.call_json("sts_get_policy", data) == _ffi.parse(*_ffi.call_bytes("sts_get_policy", data))


def test_call_json_leaves_unusual_answers_to_parse(monkeypatch: pytest.MonkeyPatch) -> None:
    # An answer that is not a compact JSON object takes parse's path: trailing whitespace is
    # accepted by the strict decoder, anything else becomes Client.Internal.
    for raw, expected in [(b'{"a":1} ', (0, {"a": 1})), (b"[1]", None), (b"", None), (b"\xff", None)]:
        slot = ctypes.c_char_p(raw)
        monkeypatch.setitem(_ffi._calls, "sts_get_policy", lambda data, ref: 0)
        monkeypatch.setattr(_ffi, "_free", lambda out: None)
        monkeypatch.setattr(_ffi, "_slots", [(slot, ctypes.byref(slot))])
        code, out = _ffi.call_json("sts_get_policy", b"[]")
        if expected is not None:
            assert (code, out) == expected
        else:
            assert code == libsts.STS_INTERNAL and out["error"]["code"] == "Client.Internal"


def test_out_slots_are_reused_not_shared() -> None:
    # One (c_char_p, byref) pair per call in progress: sequential calls reuse one, and every
    # pair is back in the pool when no call is running.
    _ffi._slots.clear()
    for _ in range(100):
        Sts.get_policy([Scope("name/cos:GetObject", "example-1250000000", "ap-guangzhou", "p")])
    assert len(_ffi._slots) == 1
    threads = [threading.Thread(target=lambda: [Sts.get_policy([Scope("a", "example-1250000000", "ap-guangzhou",
                                                                      "p")]) for _ in range(300)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert 1 <= len(_ffi._slots) <= 5
    assert len({id(out) for out, _ in _ffi._slots}) == len(_ffi._slots)


def test_first_calls_from_many_threads_at_once() -> None:
    # The library loads lazily: threads that race to make the first call all get an answer
    # (_free is set before any function is published in _calls).
    result = run_python(
        "import threading, libsts; from libsts import Sts, Scope; out = [];"
        "go = threading.Barrier(8);"
        "work = lambda: (go.wait(), out.append(Sts.get_policy([Scope('a', 'example-1250000000', 'ap-guangzhou', 'p')])));"
        "ts = [threading.Thread(target=work) for _ in range(8)]; [t.start() for t in ts]; [t.join() for t in ts];"
        "print(len(out), len({repr(p) for p in out}))",
        LIBSTS_PATH=_ffi.library_path(),
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["8", "1"]


def test_raw_error_json_shape() -> None:
    code, out = _ffi.call_raw("sts_get_policy", "{not json")
    assert code == libsts.STS_INVALID_ARGUMENT
    err = json.loads(out)["error"]
    assert err["code"] == "Client.InvalidArgument" and err["requestId"] is None


class Ledger:
    """Wraps the library's functions to record every string handed out and every release."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _ffi._load()
        self.handed_out: List[int] = []
        self.freed: List[int] = []
        real_free = _ffi._free

        def free(pointer: Any) -> None:
            # The blocking calls' c_char_p slot: its address now, before a later call reuses it.
            self.freed.append(ctypes.cast(pointer, ctypes.c_void_p).value or 0)
            real_free(pointer)

        # The blocking path's own function objects (_ffi._calls, _ffi._free), not lib.<name>.
        monkeypatch.setattr(_ffi, "_free", free)
        for name in _ffi.FUNCTIONS:
            monkeypatch.setitem(_ffi._calls, name, self._recording(_ffi._calls[name]))

    def _recording(self, real: Any) -> Any:
        def call(data: bytes, out: Any) -> int:
            code = real(data, out)
            self.handed_out.append(ctypes.cast(out, ctypes.POINTER(ctypes.c_void_p)).contents.value or 0)
            return code

        return call


def test_every_returned_string_is_freed(monkeypatch: pytest.MonkeyPatch, emu: str) -> None:
    ledger = Ledger(monkeypatch)
    ok = {"secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": emu, "bucket": "example-1250000000",
          "region": "ap-guangzhou", "allow_prefix": "a", "allow_actions": "name/cos:GetObject"}
    Sts.get_policy([Scope("a", "example-1250000000", "ap-guangzhou", "p")])   # ok
    with pytest.raises(ValueError):
        Sts.get_policy([Scope("a", "example-x", "ap-guangzhou", "p")])        # invalid argument
    Sts(ok).get_credential()                                                  # ok, network
    with pytest.raises(StsError):
        Sts(dict(ok, secret_key="wrong")).get_credential()                    # service error
    with pytest.raises(StsError):
        Sts(dict(ok, url="http://127.0.0.1:1/", retries=0)).get_role_credential("qcs::cam::uin/1:roleName/r")  # network
    with pytest.raises(ValueError):
        Sts(dict(ok, duration_seconds=50000)).get_role_credential("qcs::cam::uin/1:roleName/r")  # refused by the library
    _ffi.call_raw("sts_get_policy", "[")                                      # raw, invalid JSON
    with pytest.raises(ValueError):
        Sts(dict(ok, bukcet="example-1250000000"))                             # refused by sts_check_config
    # Each Sts() calls sts_check_config once: 2 policies + 4 x (check + call) + 1 raw + 1 refused check.
    assert len(ledger.handed_out) == 2 + 4 * 2 + 1 + 1
    assert all(ledger.handed_out), "out_json was left NULL"
    assert ledger.freed == ledger.handed_out  # each string released once, right after its call


def test_policy_from_many_threads() -> None:
    expected = Sts.get_policy([Scope("name/cos:GetObject", "example-1250000000", "ap-guangzhou", "p/*")])
    results: List[Dict[str, Any]] = []
    errors: List[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                results.append(Sts.get_policy([Scope("name/cos:GetObject", "example-1250000000", "ap-guangzhou", "p/*")]))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 1600 and all(r == expected for r in results)


def test_py_typed_is_shipped() -> None:
    assert (Path(libsts.__file__).parent / "py.typed").exists()
