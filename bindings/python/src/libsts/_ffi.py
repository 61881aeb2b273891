"""ctypes access to the libsts C ABI (include/sts.h).

Only this module touches pointers. Every string the library hands out is copied into Python
and released with ``sts_string_free`` in a ``finally`` block, on success and on error alike.
ctypes releases the GIL for the duration of each network call, so network calls made from
several threads run in parallel; the local ``sts_get_policy`` and ``sts_string_free`` keep it,
as json's C encoder does (see ``_HOLD_GIL``).

The async exports are declared here and driven by ``_async``.
"""

from __future__ import annotations

import ctypes
import json
import json.scanner
import os
import threading
from typing import Any, Callable, Dict, List, Optional, Tuple, Union

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
    "call_json",
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
    "sts_get_upload_credential_async",
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

# The blocking path's own function objects (FUNCTIONS and sts_string_free), without argtypes:
# with argtypes ctypes runs a from_param conversion per argument on every call, a quarter of a
# get_policy call's ctypes cost. call_bytes passes only what those conversions would produce (bytes
# -> char *, a byref(c_char_p) -> char **, a c_char_p -> its pointer) and checks the bytes type
# itself. Looked up once here instead of getattr(lib, name) per call. `lib.<name>` keeps its
# argtypes for everyone else (the async callback frees a plain int address).
_calls: Dict[str, Any] = {}
_free: Any = None
#: Local calls that keep the GIL (ctypes's PyDLL flavour): they are short CPU work bounded by the
#: core's size limits, and releasing and taking the GIL again costs more than sts_string_free itself.
_HOLD_GIL = ("sts_get_policy", "sts_string_free")
#: Free (out, byref(out)) pairs: a c_char_p and its byref cost as much to make as the call's whole
#: argument passing. A pair is popped for one call and pushed back after its string is freed
#: (list.pop/append are atomic under the GIL), so no two calls, threads or a signal handler
#: re-entering share one; the core always overwrites *out_json, so a stale pointer is never read.
_slots: List[Tuple[Any, Any]] = []


def _candidate() -> str:
    override = os.environ.get(ENV_LIBRARY)
    if override:
        return override
    return os.path.join(os.path.dirname(os.path.abspath(__file__)), _BUNDLED)


def _load() -> ctypes.CDLL:
    global _lib, _lib_path, _free
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
        out = ctypes.c_void_p  # receives byref(c_char_p()); call_bytes uses _calls, below
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
        held = ctypes.PyDLL(path)  # the same dlopen handle; its functions keep the GIL
        calls: Dict[str, Any] = {}
        for name in FUNCTIONS + ("sts_string_free",):
            fn = getattr(held, name) if name in _HOLD_GIL else lib._FuncPtr((name, lib))
            fn.restype = None if name == "sts_string_free" else ctypes.c_int
            calls[name] = fn
        # _free before _calls: another thread finds a function in _calls only once it can free.
        _free = calls.pop("sts_string_free")
        _calls.update(calls)
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
    if type(data) is not bytes:  # without argtypes, ctypes would pass a str as wchar_t *
        raise TypeError(f"libsts: {function} takes bytes, not {type(data).__name__}")
    fn = _calls.get(function)
    if fn is None:
        _load()
        fn = _calls[function]
    try:
        out, ref = _slots.pop()
    except IndexError:
        # A c_char_p slot: .value copies the string without another foreign call (string_at is
        # one), and the object still holds the pointer that sts_string_free needs.
        out = ctypes.c_char_p()
        ref = ctypes.byref(out)
    code = fn(data, ref)
    try:
        # None (NULL) only if the library could not allocate its answer.
        return code, out.value or b""
    finally:
        _free(out)
        _slots.append((out, ref))


def call_json(function: str, data: bytes) -> Tuple[int, Dict[str, Any]]:
    """:func:`call_bytes`, then the answer decoded with json's C scanner directly (the common
    case: one JSON object, nothing after it); anything else goes to :func:`parse`."""
    code, raw = call_bytes(function, data)
    try:
        text = raw.decode("utf-8")
        value, end = _scan(text, 0)
        if end == len(text) and type(value) is dict:
            return code, value
    except (ValueError, StopIteration):  # UnicodeDecodeError is a ValueError
        pass
    return parse(code, raw)  # anything else: parse decides, as for every other call


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
    return call_json(function, encode(text, "input JSON"))


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
