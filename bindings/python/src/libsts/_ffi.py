"""ctypes access to the libsts C ABI (include/sts.h).

Only this module touches pointers. Every string the library hands out is copied into Python
and released with ``sts_string_free`` in a ``finally`` block, on success and on error alike.
ctypes releases the GIL for the duration of each foreign call, so network calls made from
several threads run in parallel.

The async exports are declared here and driven by ``_async``.
"""

from __future__ import annotations

import ctypes
import json
import json.scanner
import os
import threading
from typing import Any, Callable, Dict, Optional, Tuple, Union

__all__ = [
    "STS_OK",
    "STS_INVALID_ARGUMENT",
    "STS_NETWORK",
    "STS_SERVICE",
    "STS_BAD_RESPONSE",
    "STS_INTERNAL",
    "library_path",
    "library_version",
    "cache_clear",
    "call",
    "call_text",
    "parse",
]

# StsCode values of include/sts.h, stable forever. The only copy in this package (a .so carries
# no enum); tests/test_drift.py fails when it differs from the header.
STS_OK = 0
STS_INVALID_ARGUMENT = 1
STS_NETWORK = 2
STS_SERVICE = 3
STS_BAD_RESPONSE = 4
STS_INTERNAL = 5

#: The `StsCode f(const char *in, char **out_json)` exports of include/sts.h.
FUNCTIONS = (
    "sts_get_credential",
    "sts_get_role_credential",
    "sts_get_upload_credential",
    "sts_get_policy",
    "sts_check_config",
    "sts_get_caller_identity",
    "sts_get_web_identity_credential",
)
#: The `StsCode f(const char *in, StsCallback callback, void *user_data)` exports.
ASYNC_FUNCTIONS = (
    "sts_get_credential_async",
    "sts_get_role_credential_async",
    "sts_get_caller_identity_async",
    "sts_get_web_identity_credential_async",
)

#: `typedef void (*StsCallback)(void *user_data, StsCode code, char *out_json)`. out_json is
#: c_void_p, not c_char_p: ctypes would hand a c_char_p over as a bytes copy and lose the
#: pointer that has to be freed.
CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p)

#: Environment variable naming the shared library to load instead of the bundled one.
ENV_LIBRARY = "LIBSTS_PATH"
_BUNDLED = "libsts.so"

_lock = threading.Lock()
_lib: Optional[ctypes.CDLL] = None
_lib_path: Optional[str] = None


def _candidate() -> str:
    override = os.environ.get(ENV_LIBRARY)
    if override:
        return override
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), _BUNDLED)


def _load() -> ctypes.CDLL:
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        path = _candidate()
        if not os.path.exists(path):
            where = (
                f"{ENV_LIBRARY}={path!r} does not exist"
                if os.environ.get(ENV_LIBRARY)
                else f"the bundled library {path!r} is missing (reinstall the package, "
                f"or set {ENV_LIBRARY} to a libsts.so)"
            )
            raise ImportError(f"libsts: cannot load the C library: {where}")
        lib = ctypes.CDLL(path)
        out = ctypes.c_void_p  # receives byref(c_char_p()): see call_bytes
        for name in FUNCTIONS:
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_char_p, out]
            fn.restype = ctypes.c_int
        for name in ASYNC_FUNCTIONS:
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_char_p, CALLBACK, ctypes.c_void_p]
            fn.restype = ctypes.c_int
        # c_void_p, not c_char_p: ctypes would copy a c_char_p result and lose the pointer
        # that has to be freed; the default int restype would truncate it on 64-bit.
        lib.sts_string_free.argtypes = [ctypes.c_void_p]
        lib.sts_string_free.restype = None
        lib.sts_version.argtypes = []
        lib.sts_version.restype = ctypes.c_char_p  # static storage, never freed
        lib.sts_cache_clear.argtypes = []
        lib.sts_cache_clear.restype = None
        _lib, _lib_path = lib, path
        return lib


def library_path() -> str:
    """The path of the loaded libsts shared library."""
    _load()
    assert _lib_path is not None
    return _lib_path


def library_version() -> str:
    """The version of the loaded C library (``sts_version()``), e.g. ``"0.1.0"``."""
    raw = _load().sts_version()
    return raw.decode("utf-8") if raw else ""


def cache_clear() -> None:
    """Empties libsts's process-wide credential cache (``sts_cache_clear``), wiping every cached
    key; the next ``cache`` call asks STS again. Calls in flight still answer but do not refill it."""
    _load().sts_cache_clear()


def encode(text: str, what: str) -> bytes:
    if "\x00" in text:
        # ctypes would silently cut the string at the NUL.
        raise ValueError(f"{what} contains a NUL character")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:  # lone surrogates
        raise ValueError(f"{what} is not encodable as UTF-8 (position {e.start})") from None


def call_raw(function: str, text: str) -> Tuple[int, str]:
    """Calls ``function(text, &out)`` and returns ``(code, out_json)``; ``out`` is always freed."""
    code, raw = call_bytes(function, encode(text, "input JSON"))
    return code, raw.decode("utf-8")


def call_bytes(function: str, data: bytes) -> Tuple[int, bytes]:
    """Calls ``function(data, &out)`` on UTF-8 JSON without NUL; ``(code, out_json bytes)``, ``out`` freed."""
    lib = _lib if _lib is not None else _load()
    # A c_char_p slot: .value copies the string without another foreign call (string_at is one),
    # and the object still holds the pointer that sts_string_free needs.
    out = ctypes.c_char_p()
    code = getattr(lib, function)(data, ctypes.byref(out))
    try:
        # None (NULL) only if the library could not allocate its answer.
        return code, out.value or b""
    finally:
        lib.sts_string_free(out)


def call(function: str, payload: Any) -> Tuple[int, Dict[str, Any]]:
    """JSON-encodes ``payload``, calls ``function`` and returns ``(code, parsed out_json)``."""
    try:
        text = json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        # Only type names in the message: the payload may hold a secret.
        raise ValueError(f"cannot encode the input as JSON: {type(e).__name__}: {_safe_reason(e)}") from None
    return call_text(function, text)


def call_text(function: str, text: str) -> Tuple[int, Dict[str, Any]]:
    """Calls ``function`` with JSON ``text`` and returns ``(code, parsed out_json)``."""
    return parse(*call_bytes(function, encode(text, "input JSON")))


_DECODER = json.JSONDecoder()


def _scanner() -> Callable[[str, int], Tuple[Any, int]]:
    """json's C scanner, to call directly: json.loads adds a whitespace regex and two Python frames."""
    make = getattr(json.scanner, "c_make_scanner", None)
    if make is None:  # not CPython's _json
        return _DECODER.scan_once  # type: ignore[attr-defined, no-any-return]
    scan: Callable[[str, int], Tuple[Any, int]] = make(_DECODER)
    return scan


_scan = _scanner()


def _loads(text: str) -> Any:
    # libsts's answers are compact JSON objects: the scan must end at the end of the text.
    try:
        value, end = _scan(text, 0)
    except StopIteration:
        raise ValueError("not JSON") from None
    if end != len(text):
        return _DECODER.decode(text)  # trailing whitespace or garbage: the strict path decides
    return value


def parse(code: int, raw: Union[bytes, str]) -> Tuple[int, Dict[str, Any]]:
    """``(code, out_json)`` -> ``(code, parsed dict)``; an unusable answer becomes a Client.Internal error."""
    try:
        parsed = _loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw) if raw else None
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        parsed = {"error": {"code": "Client.Internal", "message": "libsts returned no valid JSON", "requestId": None}}
        if code == STS_OK:
            code = STS_INTERNAL
    return code, parsed


def _safe_reason(e: Exception) -> str:
    # json's messages name types ("Object of type bytes is not JSON serializable") or the
    # float problem; never values. Keep only the first line to be safe.
    return str(e).splitlines()[0][:200] if str(e) else ""
