"""Drop-in replacement for ``qcloud-python-sts`` 3.1.6 (``from sts.sts import Sts``).

The public names and return values are those of ``sts/sts.py`` in qcloud-python-sts 3.1.6:
:class:`Sts`, :class:`CISts`, :class:`Scope`, :class:`CIScope`. The work (policy building,
TC3 signing, HTTP, retries) is done by the libsts C library through ctypes.

Differences from the original, all deliberate, are listed in the package README.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _ffi

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

ENV_SECRET_ID = "TENCENTCLOUD_SECRET_ID"
ENV_SECRET_KEY = "TENCENTCLOUD_SECRET_KEY"

MAX_FEDERATION_SECONDS = 129600
MAX_TIMEOUT_MS = 600000
MAX_RETRIES = 10

StrOrList = Union[str, Sequence[str]]


class StsError(Exception):
    """A failed STS call: service error, network failure or an unusable answer.

    Attributes:
        code: ``AuthFailure.SignatureFailure`` and the like for errors the service answered
            (``status == STS_SERVICE``), otherwise a library code starting with ``Client.``
            (``Client.Network``, ``Client.Timeout``, ``Client.BadResponse``, ...).
        message: a readable description; never contains a secret key or a session token.
        request_id: the service's ``RequestId`` when there was one, else ``None``.
        status: the C-level ``StsCode`` (2 network, 3 service, 4 bad response, 5 internal,
            1 invalid argument for :class:`StsConfigError`).
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
    """The C library refused the configuration at call time (``Client.InvalidArgument``).

    Raised when attributes were changed after construction to something invalid, or for a
    rule only the library checks (e.g. AssumeRole's 43200 s duration limit). It is a
    ``ValueError`` too, like the construction-time errors.
    """

    def __init__(self, code: str, message: str, request_id: Optional[str] = None, status: int = _ffi.STS_INVALID_ARGUMENT) -> None:
        super().__init__(code, message, request_id, status)


class StsWarning(UserWarning):
    """A config key that qcloud-python-sts silently ignored, which libsts ignores with a warning."""


def _error_from(code: int, out: Mapping[str, Any]) -> StsError:
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


def _policy_from_scopes(scopes: List[Dict[str, Any]]) -> Dict[str, Any]:
    """``sts_get_policy``; invalid scopes raise ``ValueError`` with the library's message."""
    code, out = _ffi.call("sts_get_policy", scopes)
    if code == _ffi.STS_OK:
        return out
    err = _error_from(code, out)
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


def _int(value: Any, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"Error: {what} must be int type")
    if not low <= value <= high:
        raise ValueError(f"Error: {what} {value} is out of range {low}..{high}")
    return value


_LOOPBACK = re.compile(r"^(localhost|127(\.\d{1,3}){3}|\[::1\])$", re.IGNORECASE)


def _check_url(url: str) -> None:
    m = re.match(r"^(https?)://([^/?#]+)", url)
    if not m:
        raise ValueError(f"Error: url {url!r} is not an http(s) URL such as https://sts.tencentcloudapi.com/")
    host = m.group(2).rsplit("@", 1)[-1]
    if not host.startswith("["):
        host = host.rsplit(":", 1)[0]
    else:
        host = host.split("]", 1)[0] + "]"
    if m.group(1) == "http" and not _LOOPBACK.match(host):
        raise ValueError("Error: url: plain http:// is only allowed to a loopback address; use https://")


def _proxy(value: Any) -> Union[str, Dict[str, str]]:
    if isinstance(value, str):
        return value
    if isinstance(value, Mapping):
        result: Dict[str, str] = {}
        for key, entry in value.items():
            if key not in ("http", "https"):
                raise ValueError(f"Error: proxy key {key!r} is not supported; use 'http' and/or 'https'")
            if entry is None:
                continue
            if not isinstance(entry, str):
                raise ValueError(f"Error: proxy[{key!r}] must be a string")
            result[key] = entry
        return result
    raise ValueError("Error: proxy must be a string or a dict {'http': ..., 'https': ...}")


# Canonical name -> what the key is called after lower-casing and dropping underscores, so
# that `secret_id`, `SECRET_ID` (as qcloud-python-sts) and `secretId` (Node/Java SDKs) all match.
_KEYS: Dict[str, str] = {
    "secretid": "secret_id",
    "secretkey": "secret_key",
    "sessiontoken": "session_token",
    "durationseconds": "duration_seconds",
    "bucket": "bucket",
    "region": "region",
    "allowprefix": "allow_prefix",
    "allowactions": "allow_actions",
    "condition": "condition",
    "policy": "policy",
    "proxy": "proxy",
    "url": "url",
    "domain": "domain",
    "endpoint": "domain",
    "host": "domain",
    "timeoutms": "timeout_ms",
    "retries": "retries",
    "cafile": "ca_file",
    "name": "name",
    "rolearn": "role_arn",
    "rolesessionname": "role_session_name",
    "externalid": "external_id",
}

# Keys the vendor's own demos pass although its code never reads them.
_VENDOR_IGNORED = {"stsscheme": "sts_scheme", "stsurl": "sts_url"}


class Sts:
    """Issues temporary keys, as ``sts.sts.Sts`` of qcloud-python-sts.

    ``config`` keys are matched case-insensitively (``secret_id``, ``SECRET_ID``) and in
    camelCase (``secretId``). Problems raise ``ValueError`` here, before any request.
    Keys libsts does not use (``sts_scheme``, ``sts_url``, ...) are ignored with a
    :class:`StsWarning`, as qcloud-python-sts ignored them silently.
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
    timeout_ms: Optional[int] = None
    retries: Optional[int] = None
    ca_file: Optional[str] = None
    name: Optional[str] = None
    role_arn: Optional[str] = None
    role_session_name: Optional[str] = None
    external_id: Optional[str] = None

    def __init__(self, config: Mapping[str, Any] = {}) -> None:  # noqa: B006 (read only, as the original)
        self.parse_parameters(config)

    def __repr__(self) -> str:
        # Never the secret key.
        return (
            f"{type(self).__name__}(secret_id={self.secret_id!r}, secret_key=<redacted>, "
            f"bucket={self.bucket!r}, region={self.region!r}, duration_seconds={self.duration_seconds!r})"
        )

    def parse_parameters(self, config: Mapping[str, Any]) -> None:
        """Reads and validates ``config``; raises ``ValueError`` on any problem."""
        if not isinstance(config, Mapping):
            raise ValueError("Error: config is not dict")
        given: Dict[str, Any] = {}
        spelled: Dict[str, str] = {}
        for key in config.keys():
            norm = str(key).lower().replace("_", "")
            canonical = _KEYS.get(norm)
            if canonical is None:
                hint = " (qcloud-python-sts ignores it too; use 'url' to connect elsewhere)" if norm in _VENDOR_IGNORED else ""
                warnings.warn(f"libsts: config key {key!r} is not used and is ignored{hint}", StsWarning, stacklevel=3)
                continue
            if canonical in spelled:
                raise ValueError(f"Error: config key {key!r} is given twice (also as {spelled[canonical]!r}); keep one")
            spelled[canonical] = str(key)
            value = config[key]
            if value is not None:  # None means "not set", as config.get() did in the original
                given[canonical] = value

        def text(name: str) -> Optional[str]:
            value = given.get(name)
            if value is not None and not isinstance(value, str):
                raise ValueError(f"Error: {spelled[name]} must be a string, got {type(value).__name__}")
            return value

        self.secret_id = text("secret_id") or None
        self.secret_key = text("secret_key") or None
        # The token of a temporary key pair (a CVM or SCF role's), sent as X-TC-Token.
        self.session_token = text("session_token") or None
        if not (self.secret_id or os.environ.get(ENV_SECRET_ID)):
            raise ValueError(f"Error: secret_id is none (set it in the config or in {ENV_SECRET_ID})")
        if not (self.secret_key or os.environ.get(ENV_SECRET_KEY)):
            raise ValueError(f"Error: secret_key is none (set it in the config or in {ENV_SECRET_KEY})")
        if self.secret_id and re.search(r"[\s/,\x00-\x1f\x7f]", self.secret_id):
            raise ValueError("Error: secret_id contains whitespace, '/' or ','; check for a copy-paste error")

        if "duration_seconds" in given:
            self.duration_seconds = _int(given["duration_seconds"], "duration_seconds", 1, MAX_FEDERATION_SECONDS)
        self.bucket = text("bucket")
        self.region = text("region")
        prefixes = _string_list(given["allow_prefix"], "allow_prefix") if "allow_prefix" in given else []
        if "allow_actions" in given:
            _string_list(given["allow_actions"], "allow_actions")
            self.allow_actions = given["allow_actions"]
        if "condition" in given:
            if not isinstance(given["condition"], Mapping):
                raise ValueError("Error: condition must be a dict")
            self.condition = dict(given["condition"])
        if "policy" in given:
            policy = given["policy"]
            if isinstance(policy, str):
                try:
                    parsed = json.loads(policy)
                except ValueError:
                    raise ValueError("Error: policy is a string but not valid JSON") from None
            else:
                parsed = policy
            if not isinstance(parsed, Mapping):
                raise ValueError("Error: policy must be a dict (or its JSON text)")
            self.policy = policy

        if "proxy" in given:
            self.network_proxy = _proxy(given["proxy"])
        self.url = text("url")
        if self.url is not None:
            _check_url(self.url)
        self.domain = text("domain")
        if "timeout_ms" in given:
            self.timeout_ms = _int(given["timeout_ms"], "timeout_ms", 1, MAX_TIMEOUT_MS)
        if "retries" in given:
            self.retries = _int(given["retries"], "retries", 0, MAX_RETRIES)
        self.ca_file = text("ca_file")
        if self.ca_file is not None and not os.path.isfile(self.ca_file):
            raise ValueError(f"Error: ca_file {self.ca_file!r} is not a readable file")
        self.name = text("name")
        self.role_arn = text("role_arn")
        self.role_session_name = text("role_session_name")
        self.external_id = text("external_id")

        if self.policy is not None:
            ignored = [spelled[k] for k in ("allow_prefix", "allow_actions", "condition") if k in given]
            if ignored:
                warnings.warn(
                    f"libsts: {', '.join(ignored)} ignored because 'policy' is given (as qcloud-python-sts does)",
                    StsWarning,
                    stacklevel=3,
                )
            return

        # No ready policy: build one statement from bucket/region/allow_prefix/allow_actions,
        # through the C library's sts_get_policy so that the resource strings are its own.
        if not self.region:
            raise ValueError("Error: region == none")
        if not self.bucket:
            raise ValueError("Error: bucket == None")
        if len(prefixes) == 0:
            raise ValueError("Error: len(resource_prefix) == 0")
        if self.allow_actions is None:
            raise ValueError("Error: allow_actions == None")
        scope: Dict[str, Any] = {
            "action": _string_list(self.allow_actions, "allow_actions"),
            "bucket": self.bucket,
            "region": self.region,
            "prefix": prefixes,
            "service": self.service_type,
        }
        if self.condition is not None:
            scope["condition"] = self.condition
        try:
            statement = _policy_from_scopes([scope])["statement"][0]
        except ValueError as e:
            raise ValueError("Error: " + _config_field_names(str(e))) from None
        self.resource = list(statement["resource"])

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

    @staticmethod
    def get_policy(scopes: Sequence[Union["Scope", Mapping[str, Any]]] = []) -> Optional[Dict[str, Any]]:  # noqa: B006
        """Builds a policy from :class:`Scope` objects (or scope dicts); ``None`` if not a list.

        Invalid scopes raise ``ValueError``.
        """
        if not isinstance(scopes, list):
            return None
        items: List[Dict[str, Any]] = []
        for i, scope in enumerate(scopes):
            if isinstance(scope, Scope):
                items.append(scope._to_scope())
            elif isinstance(scope, Mapping):
                items.append(dict(scope))
            else:
                raise ValueError(f"scopes[{i}] must be a Scope or a dict, got {type(scope).__name__}")
        return _policy_from_scopes(items)

    def _config(self, role: bool, role_arn: Optional[str]) -> Dict[str, Any]:
        config: Dict[str, Any] = {"duration_seconds": self.duration_seconds, "policy": self.build_policy()}
        if self.secret_id:
            config["secret_id"] = self.secret_id
        if self.secret_key:
            config["secret_key"] = self.secret_key
        if self.session_token:
            config["session_token"] = self.session_token
        if self.region:
            config["region"] = self.region
        optional = {
            "endpoint": self.domain,
            "url": self.url,
            "proxy": self.network_proxy,
            "timeout_ms": self.timeout_ms,
            "retries": self.retries,
            "ca_file": self.ca_file,
        }
        if role:
            optional.update(
                role_arn=role_arn if role_arn is not None else self.role_arn,
                role_session_name=self.role_session_name,
                external_id=self.external_id,
            )
        else:
            optional["name"] = self.name
        config.update({k: v for k, v in optional.items() if v is not None})
        return config

    def _call(self, function: str, config: Dict[str, Any]) -> Dict[str, Any]:
        code, out = _ffi.call(function, config)
        if code == _ffi.STS_OK:
            return out
        raise _error_from(code, out)

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
        if role_arn is None and self.role_arn is None:
            raise ValueError("Error: role_arn is none")
        return self._call("sts_get_role_credential", self._config(True, role_arn))


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

