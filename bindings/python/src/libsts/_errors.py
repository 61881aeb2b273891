"""The exceptions and warning of the Python API, and the mapping from the core's error JSON."""

from __future__ import annotations

from typing import Any, Mapping, Optional

from . import _ffi

INVALID_ARGUMENT = "Client.InvalidArgument"


class StsError(Exception):
    """A failed STS call: service error, network failure or an unusable answer.

    Attributes:
        code: ``AuthFailure.SignatureFailure`` and the like for errors the service answered
            (``status == STS_SERVICE``), otherwise a library code starting with ``Client.``
            (``Client.Network``, ``Client.Timeout``, ``Client.BadResponse``, ...).
        message: a readable description; never contains a secret key or a session token.
        request_id: the service's ``RequestId`` when there was one, else ``None``.
        status: the C-level ``StsCode`` (``libsts.STS_NETWORK``, ``STS_SERVICE``, ...;
            ``STS_INVALID_ARGUMENT`` for :class:`StsConfigError`).
    """

    code: str
    message: str
    request_id: Optional[str]
    status: int

    def __init__(self, code: str, message: str, request_id: Optional[str] = None, status: int = _ffi.STS_SERVICE) -> None:
        super().__init__(code, message, request_id, status)
        self.code = code
        self.message = message
        self.request_id = request_id
        self.status = status

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        if self.request_id:
            text += f" (requestId {self.request_id})"
        return text

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r}, request_id={self.request_id!r})"


class StsConfigError(StsError, ValueError):
    """A config the core refuses (``code == "Client.InvalidArgument"``), before anything is sent.

    Raised by ``Sts(config)`` with the core's own message (``"field: reason"``), and at call
    time when attributes were changed after construction to something invalid, or for a rule
    of the other call (AssumeRole's 43200 s duration limit). It is a ``ValueError`` too.
    """

    def __init__(self, code: str, message: str, request_id: Optional[str] = None, status: int = _ffi.STS_INVALID_ARGUMENT) -> None:
        super().__init__(code, message, request_id, status)


class StsWarning(UserWarning):
    """A config key that qcloud-python-sts silently ignored, which libsts ignores with a warning."""


def invalid(message: str) -> StsConfigError:
    """A refusal by the binding itself (a value with no JSON form), worded like the core's."""
    return StsConfigError(INVALID_ARGUMENT, message)


def error_from(code: int, out: Mapping[str, Any]) -> StsError:
    """The exception for a failed call: the core's code, message and requestId unchanged."""
    err = out.get("error") if isinstance(out, Mapping) else None
    if not isinstance(err, Mapping):
        err = {}
    name = str(err.get("code") or "Client.Internal")
    message = str(err.get("message") or "unknown error")
    request_id = err.get("requestId")
    request_id = str(request_id) if request_id is not None else None
    if code == _ffi.STS_INVALID_ARGUMENT:
        return StsConfigError(name, message, request_id)
    return StsError(name, message, request_id, code)
