"""The async exports (``sts_get_credential_async``, ...) for asyncio.

One CFUNCTYPE object serves every call and lives as long as the module (libsts may call it at any
time until every accepted call is answered); calls are told apart by an integer passed as
user_data. The callback runs on a libsts worker thread holding the GIL: it copies and frees the
answer there and hands the copy to the caller's event loop with ``call_soon_threadsafe``, so the
future completes on the loop's own thread.
"""

from __future__ import annotations

import asyncio
import atexit
import ctypes
import itertools
import json
import os
import threading
import time
from typing import Dict, Optional, Set, Tuple

from . import _ffi
from ._ffi import STS_INTERNAL, STS_NETWORK, STS_OK

__all__ = ["call_async", "in_flight", "async_stats"]

#: user_data -> (loop, future) of every call libsts has accepted and not answered yet.
_pending: Dict[int, Tuple[asyncio.AbstractEventLoop, "asyncio.Future[Tuple[int, bytes]]"]] = {}
_pending_lock = threading.Condition(threading.Lock())
_ids = itertools.count(1)
#: Counters the tests read: calls accepted; answers delivered (each accepted call's first; of them
#: "dropped", freed unread for a cancelled call); "unknown", answers for no pending call.
_stats = {"accepted": 0, "delivered": 0, "unknown": 0, "dropped": 0}
_last_answer = 0.0


def _settle(future: "asyncio.Future[Tuple[int, bytes]]", code: int, raw: bytes) -> None:
    # On the loop's thread. A future cancelled after the answer was copied just drops it.
    if not future.done():
        future.set_result((code, raw))


#: libsts worker threads that keep their Python thread state between callbacks (see _keep_state).
_kept_states: Set[int] = set()
_ensure_gil = getattr(getattr(ctypes, "pythonapi", None), "PyGILState_Ensure", None)


def _keep_state() -> None:
    """Makes this libsts worker thread keep its Python thread state after the callback returns.

    ctypes calls a callback from a thread Python did not create with PyGILState_Ensure/Release,
    which creates and destroys a thread state on every call: a quarter of a sequential async
    call's time here. One extra, never released Ensure keeps it (at most one per libsts worker;
    the interpreter deletes them at exit, after _drain).
    """
    thread = threading.get_ident()
    if thread not in _kept_states and _ensure_gil is not None:
        _kept_states.add(thread)
        _ensure_gil()


def _on_result(user_data: Optional[int], code: int, out: Optional[int]) -> None:
    # On a libsts worker thread. Must not raise: ctypes could only print the exception.
    global _last_answer
    ident = user_data or 0
    outcome = "unknown"
    try:
        _keep_state()
        with _pending_lock:
            entry = _pending.get(ident)
        lib = _ffi._lib
        assert lib is not None  # a call was accepted, so the library is loaded
        if entry is None:
            lib.sts_string_free(out)
        elif entry[1].cancelled():
            # The caller gave up: release the answer (it may hold keys) without reading it.
            outcome = "dropped"
            lib.sts_string_free(out)
        else:
            try:
                raw = ctypes.string_at(out) if out else b""
            finally:
                lib.sts_string_free(out)
            loop, future = entry
            try:
                loop.call_soon_threadsafe(_settle, future, code, raw)
                outcome = "delivered"
            except RuntimeError:
                outcome = "dropped"  # the loop is closed: nobody is waiting any more
    except BaseException:  # noqa: BLE001 (nothing above this frame could handle it)
        pass
    finally:
        # The last step: at exit, _drain() lets the interpreter finalize once nothing is pending.
        with _pending_lock:
            if _pending.pop(ident, None) is not None:
                _stats["delivered"] += 1
                if outcome == "dropped":
                    _stats["dropped"] += 1
            else:
                _stats["unknown"] += 1
            _last_answer = time.monotonic()
            if not _pending:
                _pending_lock.notify_all()


_callback = _ffi.CALLBACK(_on_result)


def call_async(function: str, data: bytes) -> "asyncio.Future[Tuple[int, bytes]]":
    """Starts ``function(data, callback, id)``; a future on the running loop for ``(code, out_json bytes)``.

    A call libsts refuses to queue (overload) completes at once with its code and an error JSON.
    Cancelling the future drops the answer: it is freed unread when it comes.
    """
    loop = asyncio.get_running_loop()
    lib = _ffi._lib if _ffi._lib is not None else _ffi._load()
    future: "asyncio.Future[Tuple[int, bytes]]" = loop.create_future()
    ident = next(_ids)
    _ensure_drain_at_exit()
    with _pending_lock:
        # Before the call: the answer may come before the function returns.
        _pending[ident] = (loop, future)
    code = STS_INTERNAL
    try:
        code = getattr(lib, function)(data, _callback, ident)
    finally:
        if code != STS_OK:
            with _pending_lock:
                _pending.pop(ident, None)
    if code == STS_OK:
        with _pending_lock:
            _stats["accepted"] += 1
    else:
        future.set_result((code, _refused(code)))
    return future


def _refused(code: int) -> bytes:
    if code == STS_NETWORK:
        message = "libsts: too many calls are waiting for a worker (65,536); try again later"
        name = "Client.Network"
    else:
        message, name = f"libsts refused the async call with code {code}", "Client.Internal"
    return json.dumps({"error": {"code": name, "message": message, "requestId": None}}).encode()


def in_flight() -> int:
    """Calls libsts has accepted and not answered yet (cancelled ones included)."""
    with _pending_lock:
        return len(_pending)


def async_stats() -> Dict[str, int]:
    """Counters of the async calls of this process: accepted, delivered, unknown, dropped."""
    with _pending_lock:
        return dict(_stats, in_flight=len(_pending))


#: How long exit waits, at most, for answers libsts still owes (each call ends by its
#: total_timeout_ms, at most 600 s; by default at most 60 s).
DRAIN_TIMEOUT_S = 600.0
_drain_registered = False


def _drain() -> None:
    """atexit: wait until libsts has answered every accepted call.

    A libsts worker that calls back into an interpreter that is finalizing cannot take the GIL:
    CPython ends that thread with pthread_exit, whose forced unwind through libsts aborts the
    process ("FATAL: exception not rethrown"). atexit handlers run before finalization starts.
    """
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    with _pending_lock:
        while _pending and time.monotonic() < deadline:
            _pending_lock.wait(0.1)
        recent = time.monotonic() - _last_answer < 0.05
    if recent:
        # The last callback decremented the count as its last Python step; give its thread the
        # moment it needs to leave the ctypes trampoline (it needs the GIL until then).
        time.sleep(0.01)


def _ensure_drain_at_exit() -> None:
    global _drain_registered
    if not _drain_registered:
        _drain_registered = True
        atexit.register(_drain)


def _after_fork_in_child() -> None:
    # The child has no libsts workers (libsts starts it with an empty queue): the parent's calls
    # are answered in the parent only, so the child must not wait for them at exit.
    global _pending_lock
    _pending.clear()
    _kept_states.clear()
    _pending_lock = threading.Condition(threading.Lock())


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
