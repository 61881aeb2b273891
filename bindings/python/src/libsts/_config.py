"""Python config dict -> the core's config JSON, with only the mappings that belong to Python.

The core (``sts_check_config``) owns every rule: keys and aliases, types, ranges, URL, proxy and
loopback rules, did-you-mean for typos. This module only does what the core cannot:

* converts Python values to JSON and refuses what cannot cross the C boundary (lone surrogates,
  NaN, objects with no JSON form), naming the field;
* maps the spellings of qcloud-python-sts: keys matched case-insensitively (``SECRET_ID``),
  ``None`` meaning "not set", ``None`` entries of a requests-style proxy dict meaning "no proxy
  for that scheme";
* warns about and drops the vendor keys in :data:`IGNORED_VENDOR_KEYS`, which never limit anything.

Every other key goes to the core as the caller spelled it, so a typo (``conditon``) gets the
core's "unknown config key (did you mean `condition`?)" error.
"""

from __future__ import annotations

import json
import math
import warnings
from typing import Any, Dict, List, Mapping, Optional, Tuple

from . import _ffi
from ._errors import StsWarning, invalid

#: canonical key -> (the ``Sts`` attribute holding it, the core's other spellings of it).
#: Needed for the vendor's case-insensitive keys and for the attributes qcloud-python-sts exposes;
#: tests/test_drift.py fails when this differs from the keys the core accepts.
KEYS: Dict[str, Tuple[Optional[str], Tuple[str, ...]]] = {
    "secret_id": ("secret_id", ("secretId",)),
    "secret_key": ("secret_key", ("secretKey",)),
    "session_token": ("session_token", ("sessionToken",)),
    "credential_source": ("credential_source", ("credentialSource",)),
    "profile": ("profile", ()),
    "metadata_endpoint": ("metadata_endpoint", ("metadataEndpoint",)),
    "duration_seconds": ("duration_seconds", ("durationSeconds",)),
    "bucket": ("bucket", ()),
    "region": ("region", ()),
    "allow_prefix": (None, ("allowPrefix",)),  # becomes Sts.resource
    "allow_actions": ("allow_actions", ("allowActions",)),
    "condition": ("condition", ()),
    "policy": ("policy", ()),
    "role_arn": ("role_arn", ("roleArn",)),
    "role_session_name": ("role_session_name", ("roleSessionName",)),
    "external_id": ("external_id", ("externalId",)),
    "tags": ("tags", ()),
    "source_identity": ("source_identity", ("sourceIdentity",)),
    "serial_number": ("serial_number", ("serialNumber",)),
    "token_code": ("token_code", ("tokenCode",)),
    # sts_get_web_identity_credential's keys (Sts.get_web_identity_credential sends them, no other call).
    "provider_id": ("provider_id", ("providerId",)),
    "web_identity_token": ("web_identity_token", ("webIdentityToken",)),
    "web_identity_token_file": ("web_identity_token_file", ("webIdentityTokenFile",)),
    "name": ("name", ()),
    "endpoint": ("domain", ("domain", "host")),
    "url": ("url", ()),
    "proxy": ("network_proxy", ()),
    "timeout_ms": ("timeout_ms", ("timeoutMs",)),
    "total_timeout_ms": ("total_timeout_ms", ("totalTimeoutMs",)),
    "retries": ("retries", ()),
    "ca_file": ("ca_file", ("caFile",)),
    "cache": ("cache", ()),
    "upload": ("upload", ()),
}

_CANONICAL: Dict[str, str] = {s: c for c, (_, aliases) in KEYS.items() for s in (c, *aliases)}
# qcloud-python-sts compares `str(key).lower()`: every all-lower-case spelling matches in any case.
_CASE_FOLDED = {s for s in _CANONICAL if s == s.lower()}

#: Keys qcloud-python-sts accepts and never reads, warned about and dropped (README: "Ignored keys").
#: Neither limits anything: they only name where to connect, and the vendor always connected to
#: its `url` (https://sts.tencentcloudapi.com/) regardless, as libsts does without `url`.
IGNORED_VENDOR_KEYS: Dict[str, str] = {
    "sts_scheme": "the vendor's demos pass it, its code never reads it",
    "sts_url": "the vendor's demos pass it, its code never reads it",
}

#: Far above the core's documented nesting limit (128); only stops Python's own recursion.
MAX_DEPTH = 512


#: The spellings of the `upload` object's keys that the Python side needs to recognise.
_UPLOAD_SPELLINGS = {"filename": "filename", "fileName": "filename", "ext": "ext", "allow_ext": "allow_ext", "allowExt": "allow_ext"}


def canonical_upload(key: str) -> Optional[str]:
    """The canonical name of an `upload` key among filename/ext/allow_ext, else None."""
    return _UPLOAD_SPELLINGS.get(key)


def canonical(key: str) -> Optional[str]:
    """The canonical name of a spelling the core accepts, or None."""
    return _CANONICAL.get(key)


def vendor_key(key: Any) -> str:
    """The key as the core should see it: vendor spellings folded, everything else unchanged."""
    text = str(key)  # qcloud-python-sts matched str(key) too
    folded = text.lower()
    return folded if folded in _CASE_FOLDED else text


def entries(config: Mapping[str, Any], stacklevel: int) -> List[Tuple[str, Any]]:
    """The config as (key, JSON value) pairs, in the caller's order, duplicates kept for the core.

    Warns (``StsWarning``; ``stacklevel`` as for ``warnings.warn`` from here) for the ignored vendor keys.
    """
    result: List[Tuple[str, Any]] = []
    for raw_key, value in config.items():
        key = vendor_key(raw_key)
        check_text(key, "config", "a key")
        if key.lower() in IGNORED_VENDOR_KEYS:
            warnings.warn(
                f"libsts: config key {key!r} is not used and is ignored "
                "(qcloud-python-sts ignores it too; use 'url' to connect elsewhere)",
                StsWarning,
                stacklevel=stacklevel,
            )
            continue
        if value is None:  # config.get(key) is None: "not set" in qcloud-python-sts
            continue
        if canonical(key) == "proxy" and isinstance(value, Mapping):
            # requests drops the None entries of a proxies dict: no proxy for that scheme.
            value = {k: v for k, v in value.items() if v is not None}
        result.append((key, to_json(value, key)))
    return result


def encode(pairs: List[Tuple[str, Any]]) -> str:
    """A JSON object with the pairs in order; a key given twice stays twice, so the core names it."""
    return "{" + ",".join(f"{dumps(k)}:{dumps(v)}" for k, v in pairs) + "}"


_ENCODER = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_ENCODE = _ENCODER.encode


def _c_encoder() -> Any:
    """json's C encoder, built once: JSONEncoder.encode builds one per call (half its time here).

    Without the circular-reference markers: only :func:`_plain` values reach it, and a cycle
    ends in RecursionError there, which sends the value down the slow path.
    """
    make = getattr(json.encoder, "c_make_encoder", None)
    basestring = getattr(json.encoder, "c_encode_basestring", None)
    if make is None or basestring is None:  # not CPython's _json
        return None
    try:
        encoder = make(None, _ENCODER.default, basestring, None, ":", ",", False, False, False)
        if "".join(encoder([{"a": 1.5}], 0)) != '[{"a":1.5}]':
            return None
        return encoder
    except Exception:  # noqa: BLE001 (another signature: the standard path is used)
        return None


_C_ENCODER = _c_encoder()


def dumps(value: Any) -> str:
    """Compact JSON of a value that went through :func:`to_json`."""
    return _ENCODE(value)


# Exact types JSON carries as they are; subclasses (IntEnum, str subclasses) take the slow path.
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _plain(value: Any) -> bool:
    """Only dicts with str keys, lists, tuples and exact scalars (no field names built: the fast path)."""
    kind = type(value)
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str or (type(item) not in _SCALARS and not _plain(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:
            if type(item) not in _SCALARS and not _plain(item):
                return False
        return True
    return kind in _SCALARS


def encode_json(value: Any, field: str) -> bytes:
    """``value`` as compact UTF-8 JSON for the core; ``StsConfigError`` naming the field when it has none.

    The fast path lets the json module refuse NaN and the UTF-8 codec refuse lone surrogates;
    only then, or for other types, :func:`to_json` walks the value to name the field.
    """
    if _plain(value):
        try:
            text = "".join(_C_ENCODER(value, 0)) if _C_ENCODER is not None else _ENCODE(value)
            return text.encode("utf-8")
        except (ValueError, RecursionError):  # NaN/infinity, a lone surrogate, very deep nesting
            pass
    return _ENCODE(to_json(value, field)).encode("utf-8")


def check_text(text: str, field: str, what: str = "") -> None:
    """Refuses a str that has no UTF-8 form (a lone surrogate, e.g. from surrogateescape).

    NUL and other control characters are fine here: JSON escapes them (``\\u0000``), so they
    reach the core intact and the core refuses them by its own rules.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as e:
        subject = f"{what} " if what else ""
        raise invalid(
            f"{field}: {subject}is not valid Unicode (a lone surrogate at index {e.start}); it cannot be sent as UTF-8"
        ) from None


def to_json(value: Any, field: str, depth: int = 0) -> Any:
    """``value`` as plain JSON types; ``StsConfigError`` naming ``field`` when it has no JSON form.

    Messages name types and positions only, never values (a value may be a secret).
    """
    if depth > MAX_DEPTH:
        raise invalid(f"{field}: nested more than {MAX_DEPTH} levels deep")
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return int(value)  # IntEnum and friends as plain numbers
    if isinstance(value, float):
        if not math.isfinite(value):
            raise invalid(f"{field}: NaN and infinity have no JSON form")
        return float(value)
    if isinstance(value, str):
        check_text(value, field)
        return str(value)
    if isinstance(value, Mapping):
        result: Dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise invalid(f"{field}: keys must be strings, got {type(key).__name__}")
            check_text(key, field, "a key")
            result[key] = to_json(item, f"{field}.{key}", depth + 1)
        return result
    if isinstance(value, (list, tuple)):
        return [to_json(item, f"{field}[{i}]", depth + 1) for i, item in enumerate(value)]
    raise invalid(
        f"{field}: a {type(value).__name__} has no JSON form; use a str, int, float, bool, None, list or dict"
    )


def check(pairs: List[Tuple[str, Any]]) -> Tuple[int, Dict[str, Any]]:
    """``sts_check_config`` on the pairs: ``(code, normalized config or error JSON)``."""
    return _ffi.call_text("sts_check_config", encode(pairs))
