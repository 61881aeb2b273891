"""Drop-in replacement for ``qcloud-python-sts`` 3.1.6 (``from sts.sts import Sts``).

The public names and return values are those of ``sts/sts.py`` in qcloud-python-sts 3.1.6:
:class:`Sts`, :class:`CISts`, :class:`Scope`, :class:`CIScope`. The work (policy building,
TC3 signing, HTTP, retries) is done by the libsts C library through ctypes.

Differences from the original, all deliberate, are listed in the package README.
"""

from __future__ import annotations

import collections.abc
import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from . import _async, _config, _ffi
from ._errors import StsConfigError, StsError, StsWarning, error_from, invalid

__all__ = [
    "Sts",
    "CISts",
    "Scope",
    "CIScope",
    "StsError",
    "StsConfigError",
    "StsWarning",
    "sts_url",
    "sts_domain",
]

#: Kept from qcloud-python-sts for code that imports them; libsts derives the URL from the domain.
sts_url = "https://sts.tencentcloudapi.com/"
sts_domain = "sts.tencentcloudapi.com"

StrOrList = Union[str, Sequence[str]]

# The keys that only build the policy: get_credential sends the policy that build_policy() returns.
_POLICY_KEYS = ("bucket", "allow_prefix", "allow_actions", "condition", "policy")
_ROLE_KEYS = ("role_arn", "role_session_name", "external_id", "tags", "source_identity", "serial_number", "token_code")
_FEDERATION_KEYS = ("name",)
# The keys of the calls that issue no policy-limited key; what each of those calls sends.
_WEB_KEYS = ("provider_id", "web_identity_token", "web_identity_token_file")
# With the credential sources (issue 13) the core also has credential_source, profile and
# metadata_endpoint: identity keys too, sent by every call that signs, once the table lists them.
_IDENTITY_KEYS = tuple(
    key
    for key in ("secret_id", "secret_key", "session_token", "credential_source", "profile", "metadata_endpoint")
    if key in _config.KEYS
)
_TRANSPORT_KEYS = ("region", "endpoint", "url", "proxy", "timeout_ms", "total_timeout_ms", "retries", "ca_file")
_CALLER_IDENTITY_CALL = _IDENTITY_KEYS + _TRANSPORT_KEYS
_WEB_IDENTITY_CALL = _WEB_KEYS + ("role_arn", "role_session_name", "duration_seconds") + _TRANSPORT_KEYS
_ISSUE_KEYS = ("duration_seconds", "cache", "upload")
# A config with one of these is a credential config, which sts_check_config can check at construction.
_CREDENTIAL_KEYS = frozenset(_POLICY_KEYS + _ROLE_KEYS + _FEDERATION_KEYS + _ISSUE_KEYS)
#: Every key of _config.KEYS in one group (tests/test_drift.py): a new key has to be placed, so no
#: call drops it unnoticed (an identity key missing from _IDENTITY_KEYS would never be sent).
KEY_GROUPS = (_POLICY_KEYS, _ROLE_KEYS, _FEDERATION_KEYS, _WEB_KEYS, _IDENTITY_KEYS, _TRANSPORT_KEYS, _ISSUE_KEYS)


def _policy_from_scopes(scopes: List[Dict[str, Any]]) -> Dict[str, Any]:
    """``sts_get_policy``; invalid scopes raise ``ValueError`` with the library's message."""
    try:
        data = _config.encode_json(scopes, "scopes")
    except StsConfigError as e:
        raise ValueError(e.message) from None  # as the library's own scope errors
    return _policy_from_json(data)


# json's C string encoder (non-ASCII kept, as ensure_ascii=False); None off CPython.
_JSON_STRING = getattr(json.encoder, "c_encode_basestring", None)


def _scopes_json(scopes: List[Any]) -> Optional[bytes]:
    """The JSON of a list of plain :class:`Scope` objects, written directly; None for anything else.

    The common call, ``get_policy([Scope(...)])``, spent most of its time building a dict per
    scope and walking it again to encode it. Only exact ``str`` values (or non-empty lists of
    them), a bucket and a region, and no condition take this path; everything else goes through
    :meth:`Scope._to_scope` and :func:`_config.encode_json`, which name the field at fault.
    The core still validates it all. One f-string per scope (a single join in C; ``%`` parses
    its format on every call).
    """
    quote = _JSON_STRING
    if quote is None or not scopes:
        return None
    parts = []
    for scope in scopes:
        kind = type(scope)
        if kind is not Scope and kind is not CIScope or scope.condition is not None:
            return None
        effect, service, bucket, region = scope.effect, scope.service_type, scope.bucket, scope.region
        if type(effect) is not str or type(service) is not str or type(bucket) is not str or type(region) is not str:
            return None
        action = _json_strings(scope.action)
        prefix = _json_strings(scope.resource_prefix)
        if action is None or prefix is None:
            return None
        parts.append(
            f'{{"effect":{quote(effect)},"service":{quote(service)},"action":[{action}],'
            f'"bucket":{quote(bucket)},"region":{quote(region)},"prefix":[{prefix}]}}'
        )
    try:
        return f"[{','.join(parts)}]".encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: the slow path names the field
        return None


def _json_strings(value: Any) -> Optional[str]:
    """The inside of a JSON list for a str or a non-empty list of str; None for anything else."""
    quote = _JSON_STRING
    if type(value) is str:
        return quote(value)  # type: ignore[misc]
    if type(value) is list and value and all(type(item) is str for item in value):
        return ",".join(map(quote, value))  # type: ignore[arg-type]
    return None


def _policy_from_json(data: bytes) -> Dict[str, Any]:
    """``sts_get_policy`` on encoded scopes."""
    code, out = _ffi.call_json("sts_get_policy", data)
    if code == _ffi.STS_OK:
        return out
    err = error_from(code, out)
    if code == _ffi.STS_INVALID_ARGUMENT:
        raise ValueError(err.message)
    raise err


def _string_list(value: Any, what: str) -> List[str]:
    """A string or a list/tuple of strings, as a new list."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)):
        items = list(value)
        for i, item in enumerate(items):
            if not isinstance(item, str):
                raise ValueError(f"Error: {what}[{i}] must be a string, got {type(item).__name__}")
        return items
    raise ValueError(f"Error: {what} must be a string or a list of strings, got {type(value).__name__}")


class Sts:
    """Issues temporary keys, as ``sts.sts.Sts`` of qcloud-python-sts.

    ``config`` is checked by the libsts core (``sts_check_config``) here, before any request:
    a problem raises :class:`StsConfigError` (a ``ValueError``) with the core's message, which
    starts with the key at fault (``"conditon: unknown config key (did you mean `condition`?)"``).
    Keys are matched case-insensitively as in qcloud-python-sts (``SECRET_ID``); the core's
    camelCase spellings (``secretId``) work too. ``sts_scheme`` and ``sts_url``, which
    qcloud-python-sts ignored silently, are ignored with a :class:`StsWarning`.

    No secret is required here: without ``secret_id``/``secret_key`` the core resolves the key
    at each call (README, "Credentials"). A config for :meth:`get_caller_identity` alone (only
    identity and transport keys) or for :meth:`get_web_identity_credential` (``provider_id``,
    ``web_identity_token(_file)``) is not a credential config ``sts_check_config`` can check: the
    core checks it when the call is made, before anything is sent.
    """

    secret_id: Optional[str] = None
    secret_key: Optional[str] = None
    duration_seconds: int = 1800
    bucket: Optional[str] = None
    region: Optional[str] = None
    resource: Optional[List[str]] = None
    allow_actions: Optional[StrOrList] = None
    condition: Optional[Dict[str, Any]] = None
    policy: Optional[Union[Dict[str, Any], str]] = None
    network_proxy: Optional[Union[str, Dict[str, str]]] = None
    url: Optional[str] = None
    domain: Optional[str] = None
    service_type: str = "cos"
    # libsts options qcloud-python-sts lacks.
    session_token: Optional[str] = None
    # Where the backend's own key comes from without secret_id/secret_key (README "Credentials").
    credential_source: Optional[str] = None
    profile: Optional[str] = None
    metadata_endpoint: Optional[str] = None
    timeout_ms: Optional[int] = None
    total_timeout_ms: Optional[int] = None
    cache: Optional[Union[bool, Dict[str, int]]] = None
    upload: Optional[Dict[str, Any]] = None
    retries: Optional[int] = None
    ca_file: Optional[str] = None
    name: Optional[str] = None
    role_arn: Optional[str] = None
    role_session_name: Optional[str] = None
    external_id: Optional[str] = None
    tags: Optional[List[Dict[str, str]]] = None
    source_identity: Optional[str] = None
    serial_number: Optional[str] = None
    token_code: Optional[str] = None
    provider_id: Optional[str] = None
    web_identity_token: Optional[str] = None
    web_identity_token_file: Optional[str] = None

    def __init__(self, config: Mapping[str, Any] = {}) -> None:  # noqa: B006 (read only, as the original)
        self.parse_parameters(config)

    def __repr__(self) -> str:
        # Never the secret key.
        return (
            f"{type(self).__name__}(secret_id={self.secret_id!r}, secret_key=<redacted>, "
            f"bucket={self.bucket!r}, region={self.region!r}, duration_seconds={self.duration_seconds!r})"
        )

    def parse_parameters(self, config: Mapping[str, Any]) -> None:
        """Reads ``config`` and has the core check it; raises :class:`StsConfigError` on any problem."""
        if not isinstance(config, Mapping):
            raise invalid(f"config: must be a dict, got {type(config).__name__}")
        pairs = _config.entries(config, stacklevel=4)  # warnings point at the caller's Sts(...) line
        out: Dict[str, Any] = {}
        if _is_credential_config(pairs):
            code, out = _config.check([_without_per_call_ext(key, value) for key, value in pairs])
            if code != _ffi.STS_OK:
                raise error_from(code, out)
        else:
            _refuse_given_twice(pairs)  # the rest is checked by the core at the call
        # No key is given twice, and in a credential config none is unknown. Keep each in its
        # attribute; a key this binding does not know yet (a newer core) is passed on unchanged.
        self._extra: List[Tuple[str, Any]] = []
        given: Dict[str, Any] = {}
        for key, value in pairs:
            name = _config.canonical(key)
            if name is None:
                self._extra.append((key, value))
            else:
                given[name] = value
        for name, (attribute, _) in _config.KEYS.items():
            if attribute is not None and name in given:
                setattr(self, attribute, given[name])
        if self.policy is None and isinstance(out.get("policy"), Mapping):
            # Built from bucket/allow_prefix/allow_actions by the core: its resources, its order.
            self.resource = self._resources(out, given)

    def _resources(self, normalized: Mapping[str, Any], given: Mapping[str, Any]) -> List[str]:
        if self.service_type == "cos":
            return list(normalized["policy"]["statement"][0]["resource"])
        # The core builds `cos` resources only; other services' forms come from sts_get_policy.
        scope: Dict[str, Any] = {
            "action": given["allow_actions"],
            "bucket": given["bucket"],
            "region": normalized["region"],
            "prefix": given["allow_prefix"],
            "service": self.service_type,
        }
        try:
            return list(_policy_from_scopes([scope])["statement"][0]["resource"])
        except ValueError as e:
            raise invalid(_config_field_names(str(e))) from None

    def add_resource(self, resource: StrOrList) -> None:
        """Adds resource strings to the built policy; no effect when ``policy`` was given."""
        if self.policy is not None:
            return
        if self.resource is None:
            self.resource = []
        if isinstance(resource, str):
            self.resource.append(resource)
        elif isinstance(resource, list):
            self.resource.extend(_string_list(resource, "resource"))
        else:
            raise ValueError("Error: param type is invalid, type:" + str(type(resource)))

    def build_policy(self) -> Dict[str, Any]:
        """The policy ``get_credential()`` sends, as a dict (a libsts addition)."""
        if self.policy is not None:
            return json.loads(self.policy) if isinstance(self.policy, str) else dict(self.policy)
        statement: Dict[str, Any] = {
            "action": _string_list(self.allow_actions, "allow_actions") if self.allow_actions is not None else [],
            "effect": "allow",
            "resource": list(self.resource or []),
        }
        if self.condition is not None:
            statement["condition"] = self.condition
        return {"version": "2.0", "statement": [statement]}

    def normalized_config(self, role: bool = False) -> Dict[str, Any]:
        """What the core makes of the config ``get_credential()`` (``role=True``:
        ``get_role_credential()``) would send, from ``sts_check_config``: canonical keys,
        defaults filled in, the policy, no secret. No network. A libsts addition."""
        return self._call("sts_check_config", self._config(role, None))

    @staticmethod
    def get_policy(scopes: Sequence[Union["Scope", Mapping[str, Any]]] = []) -> Optional[Dict[str, Any]]:  # noqa: B006
        """Builds a policy from :class:`Scope` objects (or scope dicts); ``None`` if not a list.

        Invalid scopes raise ``ValueError``.
        """
        if not isinstance(scopes, list):
            return None
        fast = _scopes_json(scopes)
        if fast is not None:
            return _policy_from_json(fast)
        items: List[Dict[str, Any]] = []
        for i, scope in enumerate(scopes):
            if isinstance(scope, Scope):
                items.append(scope._to_scope())
            elif isinstance(scope, collections.abc.Mapping):  # not typing's: its isinstance is slow
                items.append(dict(scope))
            else:
                raise ValueError(f"scopes[{i}] must be a Scope or a dict, got {type(scope).__name__}")
        return _policy_from_scopes(items)

    def _config(self, role: bool, role_arn: Optional[str]) -> Dict[str, Any]:
        """The config a call sends: the attributes (as changed since construction) and the policy."""
        config: Dict[str, Any] = {"policy": self.build_policy()}
        skip = _POLICY_KEYS + _WEB_KEYS + (_FEDERATION_KEYS if role else _ROLE_KEYS)
        for name, (attribute, _) in _config.KEYS.items():
            if attribute is None or name in skip:
                continue
            value = getattr(self, attribute)
            if value is not None:
                config[name] = value
        if role and role_arn is not None:
            config["role_arn"] = role_arn
        config.update(self._extra)
        return config

    def _call_config(self, keys: Sequence[str]) -> Dict[str, Any]:
        """The config of a call that reads only ``keys`` (and the keys this binding does not know)."""
        config: Dict[str, Any] = {}
        for name in keys:
            value = getattr(self, _config.KEYS[name][0])  # type: ignore[arg-type]
            if value is not None:
                config[name] = value
        config.update(self._extra)
        return config

    @staticmethod
    def _request(config: Dict[str, Any]) -> bytes:
        # Attributes may have been changed since construction: converted again, naming the field.
        pairs = [(key, _config.to_json(value, key)) for key, value in config.items()]
        return _ffi.encode(_config.encode(pairs), "input JSON")

    def _call(self, function: str, config: Dict[str, Any]) -> Dict[str, Any]:
        code, out = _ffi.call_json(function, self._request(config))
        if code == _ffi.STS_OK:
            return out
        raise error_from(code, out)

    async def _call_async(self, function: str, config: Dict[str, Any]) -> Dict[str, Any]:
        code, out = _ffi.parse(*await _async.call_async(function, self._request(config)))
        if code == _ffi.STS_OK:
            return out
        raise error_from(code, out)

    def get_credential(self) -> Dict[str, Any]:
        """Temporary keys from STS ``GetFederationToken``.

        Returns ``{"credentials": {"tmpSecretId", "tmpSecretKey", "sessionToken"},
        "expiration", "startTime", "expiredTime", "requestId"}`` as qcloud-python-sts.
        Raises :class:`StsError` on a service, network or response failure.
        """
        return self._call("sts_get_credential", self._config(False, None))

    def get_role_credential(self, role_arn: Optional[str] = None) -> Dict[str, Any]:
        """Temporary keys for a role from STS ``AssumeRole``; same result and errors as
        :meth:`get_credential`. ``role_arn`` defaults to the config's ``role_arn``."""
        return self._call("sts_get_role_credential", self._config(True, role_arn))

    def get_upload_credential(self, filename: Optional[str] = None, ext: Optional[str] = None) -> Dict[str, Any]:
        """Temporary keys that may write one object whose key libsts chooses from the config's
        ``upload`` template (``sts_get_upload_credential``). ``filename`` (only its extension is
        used) or ``ext`` is the client's; the extension rules and ``allow_ext`` are the core's.
        Returns the :meth:`get_credential` result plus ``"bucket"``, ``"region"`` and ``"key"``.
        A libsts addition."""
        return self._call("sts_get_upload_credential", self._upload_config(filename, ext))

    async def get_upload_credential_async(self, filename: Optional[str] = None, ext: Optional[str] = None) -> Dict[str, Any]:
        """:meth:`get_upload_credential` for asyncio, as :meth:`get_credential_async`
        (``sts_get_upload_credential_async``): same config, result and errors; a refused
        extension raises :class:`StsConfigError` naming ``upload.ext`` from the awaited call."""
        return await self._call_async("sts_get_upload_credential_async", self._upload_config(filename, ext))

    def _upload_config(self, filename: Optional[str], ext: Optional[str]) -> Dict[str, Any]:
        """The config of an upload credential call: the credential config without what the
        upload's own policy replaces, and ``upload`` with the client's file name or extension."""
        config = {key: value for key, value in self._config(False, None).items() if key not in _UPLOAD_FREE_KEYS}
        spec = dict(self.upload or {})
        if filename is not None:
            spec["filename"] = filename
        if ext is not None:
            spec["ext"] = ext
        config["upload"] = spec
        if self.bucket is not None:
            config["bucket"] = self.bucket
        return config

    def get_caller_identity(self) -> Dict[str, Any]:
        """Who the config's key is: STS ``GetCallerIdentity``, the "is my config right" check
        (``sts_get_caller_identity``). Sends only the identity keys (``secret_id``, ``secret_key``,
        ``session_token``; none: the core resolves them), ``region`` and the transport keys of
        the config, so a credential config works as it is. Returns the core's
        ``{"arn", "accountId", "userId", "principalId", "type", "requestId", "credentialSource"}``
        (``credentialSource``: where the key came from, ``"config"`` or ``"env"``...). Issues no
        key; never cached. Errors as :meth:`get_credential`. A libsts addition."""
        return self._call("sts_get_caller_identity", self._call_config(_CALLER_IDENTITY_CALL))

    def get_web_identity_credential(self) -> Dict[str, Any]:
        """Temporary keys for a role from an OIDC token: STS ``AssumeRoleWithWebIdentity``
        (``sts_get_web_identity_credential``), unsigned. Sends ``provider_id``, one of
        ``web_identity_token`` and ``web_identity_token_file`` (re-read at every call),
        ``role_arn``, ``role_session_name``, ``duration_seconds``, ``region`` and the transport
        keys; no secret and no policy (the key has the role's permissions). The core checks them
        all before sending. Same result and errors as :meth:`get_credential`. A libsts addition."""
        return self._call("sts_get_web_identity_credential", self._call_config(_WEB_IDENTITY_CALL))

    async def get_caller_identity_async(self) -> Dict[str, Any]:
        """:meth:`get_caller_identity` for asyncio, as :meth:`get_credential_async`."""
        return await self._call_async("sts_get_caller_identity_async", self._call_config(_CALLER_IDENTITY_CALL))

    async def get_web_identity_credential_async(self) -> Dict[str, Any]:
        """:meth:`get_web_identity_credential` for asyncio, as :meth:`get_credential_async`."""
        return await self._call_async(
            "sts_get_web_identity_credential_async", self._call_config(_WEB_IDENTITY_CALL)
        )

    async def get_credential_async(self) -> Dict[str, Any]:
        """:meth:`get_credential` for asyncio: ``await sts.get_credential_async()``.

        The call runs on a libsts worker thread (64 at most by default, ``LIBSTS_ASYNC_WORKERS``),
        not on the event loop or its executor; the result is handed to the loop's thread. Same
        result and errors as :meth:`get_credential`. Cancelling the awaiting task abandons the
        call: libsts's answer, when it comes, is freed unread. At interpreter exit, Python waits
        for answers libsts still owes (each call ends by its ``total_timeout_ms``).
        """
        return await self._call_async("sts_get_credential_async", self._config(False, None))

    async def get_role_credential_async(self, role_arn: Optional[str] = None) -> Dict[str, Any]:
        """:meth:`get_role_credential` for asyncio, as :meth:`get_credential_async`."""
        return await self._call_async("sts_get_role_credential_async", self._config(True, role_arn))


def _is_credential_config(pairs: List[Tuple[str, Any]]) -> bool:
    """A config for get_credential / get_role_credential / get_upload_credential, which
    sts_check_config checks; not one for caller identity alone or for web identity."""
    names = {_config.canonical(key) for key, _ in pairs}
    return not names.intersection(_WEB_KEYS) and bool(names.intersection(_CREDENTIAL_KEYS))


def _refuse_given_twice(pairs: List[Tuple[str, Any]]) -> None:
    """Two spellings of one key (``secret_id`` and ``secretId``) would collapse into one attribute:
    the core's "given twice" message for them, as sts_check_config gives it for a credential config
    (the core resolves keys before it reads any value, so the probe's nulls are never read)."""
    seen: Dict[str, str] = {}
    for key, _ in pairs:
        name = _config.canonical(key)
        if name is None:
            continue
        if name in seen:
            code, out = _config.check([(seen[name], None), (key, None)])
            if code == _ffi.STS_OK:  # cannot happen while the core refuses duplicates
                raise invalid(f"{key}: given twice, also as `{seen[name]}`; keep one")
            raise error_from(code, out)
        seen[name] = key


def _without_per_call_ext(key: str, value: Any) -> Tuple[str, Any]:
    """An `upload` spec as checked at construction: the client's extension only comes with each
    get_upload_credential call, so `allow_ext` (which requires one) is checked then."""
    if _config.canonical(key) != "upload" or not isinstance(value, Mapping):
        return key, value
    if any(_config.canonical_upload(k) in ("filename", "ext") for k in value):
        return key, value
    return key, {k: v for k, v in value.items() if _config.canonical_upload(k) != "allow_ext"}


#: What an upload credential's own policy replaces, and the cache it never uses.
_UPLOAD_FREE_KEYS = ("policy", "allow_actions", "condition", "cache")


def _config_field_names(message: str) -> str:
    """Rewrites the scope paths of a sts_get_policy message into the config's key names."""
    for path, key in (("scopes[0].prefix", "allow_prefix"), ("scopes[0].action", "allow_actions"), ("scopes[0].", "")):
        message = message.replace(path, key)
    return message


class CISts(Sts):
    """:class:`Sts` with resources in the ``ci`` (Cloud Infinite) form."""

    service_type = "ci"


class Scope:
    """One permission scope for :meth:`Sts.get_policy`, as ``sts.sts.Scope``."""

    action: Optional[StrOrList] = None
    bucket: Optional[str] = None
    region: Optional[str] = None
    resource_prefix: Optional[StrOrList] = None
    condition: Optional[Dict[str, Any]] = None
    effect: str = "allow"
    service_type: str = "cos"

    def __init__(
        self,
        action: Optional[StrOrList] = None,
        bucket: Optional[str] = None,
        region: Optional[str] = None,
        resource_prefix: Optional[StrOrList] = None,
    ) -> None:
        self.action = action
        self.bucket = bucket
        self.region = region
        self.resource_prefix = resource_prefix

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.action!r}, {self.bucket!r}, {self.region!r}, {self.resource_prefix!r})"

    def set_bucket(self, bucket: str) -> None:
        self.bucket = bucket

    def set_region(self, region: str) -> None:
        self.region = region

    def set_action(self, action: StrOrList) -> None:
        self.action = action

    def set_resource_prefix(self, resource_prefix: StrOrList) -> None:
        self.resource_prefix = resource_prefix

    def is_allow(self, is_allow: bool) -> None:
        self.effect = "allow" if is_allow else "deny"

    def set_condition(self, condition: Optional[Dict[str, Any]]) -> None:
        self.condition = condition

    def get_action(self) -> StrOrList:
        if self.action is None:
            raise ValueError("action == None")
        return self.action

    def get_resource(self) -> List[str]:
        """The resource strings of this scope. Unlike the original this does not change the
        scope, so every call returns the same list, and a prefix starting with ``/`` is kept."""
        if self.bucket is None:
            raise ValueError("bucket == None")
        if self.resource_prefix is None:
            raise ValueError("resource_prefix == None")
        if self.bucket.rfind("-") < 0:
            raise ValueError("bucket is invalid: " + self.bucket)
        scope = self._to_scope(action_optional=True)
        if "action" not in scope:
            # Resources do not depend on the action (except GetService's "*"); the library
            # needs one to build a statement.
            scope["action"] = "name/cos:GetObject"
        return list(_policy_from_scopes([scope])["statement"][0]["resource"])

    def get_effect(self) -> str:
        return self.effect

    def get_condition(self) -> Optional[Dict[str, Any]]:
        return self.condition

    def get_dict(self) -> Dict[str, Any]:
        """``{"action", "bucket", "region", "prefix", "effect", "condition"}`` as the original."""
        return {
            "action": self.action,
            "bucket": self.bucket,
            "region": self.region,
            "prefix": self.resource_prefix,
            "effect": self.effect,
            "condition": self.condition,
        }

    def _to_scope(self, action_optional: bool = False) -> Dict[str, Any]:
        """The cross-SDK scope dict that ``sts_get_policy`` reads."""
        scope: Dict[str, Any] = {"effect": self.effect, "service": self.service_type}
        if self.action is not None or not action_optional:
            # A list of actions stays one flat list (the original nested it: [["a", "b"]]).
            scope["action"] = _string_list(self.get_action(), "action")
        if self.bucket is not None:
            scope["bucket"] = self.bucket
        if self.region is not None:
            scope["region"] = self.region
        if self.resource_prefix is not None:
            scope["prefix"] = _string_list(self.resource_prefix, "resource_prefix")
        if self.condition is not None:
            scope["condition"] = self.condition
        return scope


class CIScope(Scope):
    """:class:`Scope` with resources in the ``ci`` form."""

    service_type = "ci"

