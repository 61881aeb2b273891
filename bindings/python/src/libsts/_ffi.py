"""ctypes access to the libsts C ABI (include/sts.h).

Only this module touches pointers. Every string the library hands out is copied into Python
and released with ``sts_string_free`` in a ``finally`` block, on success and on error alike.
ctypes releases the GIL for the duration of each foreign call, so network calls made from
several threads run in parallel.
"""

from __future__ import annotations

import ctypes
import json
import os
import threading
from typing import Any, Dict, Optional, Tuple

__all__ = [
    "STS_OK",
    "STS_INVALID_ARGUMENT",
    "STS_NETWORK",
    "STS_SERVICE",
    "STS_BAD_RESPONSE",
    "STS_INTERNAL",
    "library_path",
    "library_version",
    "call",
    "call_text",
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
)

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
        out = ctypes.POINTER(ctypes.c_void_p)
        for name in FUNCTIONS:
            fn = getattr(lib, name)
            fn.argtypes = [ctypes.c_char_p, out]
            fn.restype = ctypes.c_int
        # c_void_p, not c_char_p: ctypes would copy a c_char_p result and lose the pointer
        # that has to be freed; the default int restype would truncate it on 64-bit.
        lib.sts_string_free.argtypes = [ctypes.c_void_p]
        lib.sts_string_free.restype = None
        lib.sts_version.argtypes = []
        lib.sts_version.restype = ctypes.c_char_p  # static storage, never freed
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


def _encode(text: str, what: str) -> bytes:
    if "\x00" in text:
        # ctypes would silently cut the string at the NUL.
        raise ValueError(f"{what} contains a NUL character")
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as e:  # lone surrogates
        raise ValueError(f"{what} is not encodable as UTF-8 (position {e.start})") from None


def call_raw(function: str, text: str) -> Tuple[int, str]:
    """Calls ``function(text, &out)`` and returns ``(code, out_json)``; ``out`` is always freed."""
    lib = _load()
    fn = getattr(lib, function)
    data = _encode(text, "input JSON")
    out = ctypes.c_void_p()
    code = fn(data, ctypes.byref(out))
    try:
        if not out.value:
            # Only possible if the library could not allocate its answer.
            return code, ""
        return code, ctypes.string_at(out.value).decode("utf-8")
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
    code, out = call_raw(function, text)
    try:
        parsed = json.loads(out) if out else None
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
