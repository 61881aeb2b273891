"""Issue 13 through the binding: caller identity, web identity, AssumeRole's extras on the wire,
no secret demanded by the binding, and the core's refusal of GetFederationToken with a temporary
key; against the emulator on 127.0.0.1."""

from __future__ import annotations

import asyncio
import http.client
import http.server
import json
import threading
from pathlib import Path
from typing import Any, Dict, Iterator, List
from urllib.parse import urlsplit

import pytest

import libsts
from libsts import StsConfigError, StsError, Sts

from conftest import DEFAULT_ID, DEFAULT_KEY, OIDC_TOKEN, emulator_url

ROLE_ARN = "qcs::cam::uin/100000000001:roleName/cos-uploader"
TEMP_ID, TEMP_KEY, SESSION_TOKEN = "AKIDTEMPORARYEXAMPLE", "temporary-key", "session-token-EXAMPLE"
POLICY = {
    "version": "2.0",
    "statement": [
        {
            "action": ["name/cos:PutObject"],
            "effect": "allow",
            "resource": ["qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/*"],
        }
    ],
}


class Relay:
    """A loopback relay in front of the emulator that keeps each request: the emulator still
    verifies the signature and answers, and the test sees exactly what libsts sent."""

    def __init__(self, target: str) -> None:
        self.requests: List[Dict[str, Any]] = []
        upstream = urlsplit(target)
        requests = self.requests

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                requests.append({"headers": headers, "body": json.loads(body)})
                conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=10)
                conn.request("POST", self.path, body, dict(self.headers.items()))
                answer = conn.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def emu() -> str:
    return emulator_url("IDENTITY")


@pytest.fixture
def relay(emu: str) -> Iterator[Relay]:
    r = Relay(emu)
    yield r
    r.close()


def check_credential(result: Dict[str, Any], duration: int = 1800) -> None:
    assert set(result) == {"credentials", "expiration", "startTime", "expiredTime", "requestId"}
    assert result["credentials"]["tmpSecretId"].startswith("AKID")
    assert result["credentials"]["tmpSecretKey"] and result["credentials"]["sessionToken"]
    assert result["expiredTime"] - result["startTime"] == duration


def test_caller_identity_with_the_config_key(emu: str) -> None:
    identity = Sts({"secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": emu}).get_caller_identity()
    assert set(identity) == {"arn", "accountId", "userId", "principalId", "type", "requestId", "credentialSource"}
    account = identity["accountId"]
    assert account.isdigit()
    assert identity["arn"] == f"qcs::cam::uin/{account}:uin/{account}"
    assert identity["userId"] == identity["principalId"] == account
    assert (identity["type"], identity["credentialSource"]) == ("RootAccount", "config")
    assert identity["requestId"]


def test_caller_identity_of_a_full_credential_config_sends_only_its_keys(emu: str, relay: Relay) -> None:
    # The "is my config right" check on the config the server already has (bucket, policy, role...).
    config = {
        "secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": relay.url, "region": "ap-shanghai",
        "bucket": "example-1250000000", "allow_prefix": "dir/*", "allow_actions": ["name/cos:PutObject"],
        "duration_seconds": 900, "role_arn": ROLE_ARN, "tags": [{"key": "team", "value": "media"}],
    }
    sts = Sts(config)
    assert sts.get_caller_identity()["credentialSource"] == "config"
    check_credential(sts.get_credential(), 900)  # the same object still issues keys
    assert [r["headers"]["x-tc-action"] for r in relay.requests] == ["GetCallerIdentity", "GetFederationToken"]
    assert relay.requests[0]["body"] == {}
    assert relay.requests[0]["headers"]["x-tc-region"] == "ap-shanghai"


def test_caller_identity_without_a_secret_resolves_the_environment(emu: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", DEFAULT_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", DEFAULT_KEY)
    identity = Sts({"url": emu}).get_caller_identity()
    assert (identity["type"], identity["credentialSource"]) == ("RootAccount", "env")
    assert asyncio.run(Sts({"url": emu}).get_caller_identity_async())["credentialSource"] == "env"


def test_caller_identity_with_nothing_to_sign_is_the_cores_error(emu: str, relay: Relay) -> None:
    with pytest.raises(StsConfigError) as info:
        Sts({"url": relay.url}).get_caller_identity()
    assert info.value.message.startswith("secret_id: missing"), info.value.message
    assert info.value.status == libsts.STS_INVALID_ARGUMENT
    # A key of no call is the core's error too, at the call (the config is not a credential config).
    with pytest.raises(StsConfigError) as info:
        Sts({"secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": relay.url, "bogus": 1}).get_caller_identity()
    assert info.value.message.startswith("bogus: unknown config key"), info.value.message
    assert relay.requests == []


def test_caller_identity_async_temporary_key_and_service_error(emu: str) -> None:
    temp = {"secret_id": TEMP_ID, "secret_key": TEMP_KEY, "session_token": SESSION_TOKEN, "url": emu}
    identity = asyncio.run(Sts(temp).get_caller_identity_async())
    assert identity["type"] == "CAMRole"
    assert SESSION_TOKEN not in json.dumps(identity)
    with pytest.raises(StsError) as info:
        Sts({"secret_id": "AKIDunknownEXAMPLE", "secret_key": "k", "url": emu}).get_caller_identity()
    assert (info.value.code, info.value.status) == ("AuthFailure.SecretIdNotFound", libsts.STS_SERVICE)
    assert info.value.request_id


def web_config(url: str, **extra: Any) -> Dict[str, Any]:
    config = {"provider_id": "tke-oidc", "web_identity_token": OIDC_TOKEN, "role_arn": ROLE_ARN, "url": url}
    config.update(extra)
    return {k: v for k, v in config.items() if v is not None}


def test_web_identity_credential_is_unsigned_and_issued(relay: Relay) -> None:
    sts = Sts(web_config(relay.url, role_session_name="pod-1", duration_seconds=900))
    check_credential(sts.get_web_identity_credential(), 900)
    check_credential(asyncio.run(sts.get_web_identity_credential_async()), 900)
    assert len(relay.requests) == 2
    request = relay.requests[0]
    assert request["headers"]["x-tc-action"] == "AssumeRoleWithWebIdentity"
    assert request["headers"]["authorization"] == "SKIP" and "x-tc-token" not in request["headers"]
    assert request["body"] == {
        "ProviderId": "tke-oidc", "WebIdentityToken": OIDC_TOKEN, "RoleArn": ROLE_ARN,
        "RoleSessionName": "pod-1", "DurationSeconds": 900,
    }
    assert OIDC_TOKEN not in repr(sts)


def test_web_identity_token_file_is_reread_and_camel_case_works(emu: str, tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(OIDC_TOKEN + "\n")
    sts = Sts({"providerId": "tke-oidc", "webIdentityTokenFile": str(token), "roleArn": ROLE_ARN, "url": emu})
    check_credential(sts.get_web_identity_credential())
    token.write_text("eyJ.rotated-but-unknown.EXAMPLE")
    with pytest.raises(StsError) as info:
        sts.get_web_identity_credential()
    assert (info.value.code, info.value.status) == ("InvalidParameter.WebIdentityTokenError", libsts.STS_SERVICE)


@pytest.mark.parametrize(
    "extra, expected",
    [
        (dict(provider_id=None), "provider_id: missing"),
        (dict(web_identity_token_file="/dev/null"), "web_identity_token_file: ambiguous together with `web_identity_token`"),
        (dict(duration_seconds=43201), "duration_seconds: 43201 is out of range 1..=43200"),
        (dict(web_identity_token=OIDC_TOKEN + " "), "web_identity_token: contains whitespace"),
        (dict(role_arn=None), "role_arn: missing"),
    ],
)
def test_web_identity_configs_are_the_cores_refusals(relay: Relay, extra: Dict[str, Any], expected: str) -> None:
    sts = Sts(web_config(relay.url, **extra))  # not a credential config: checked at the call
    with pytest.raises(StsConfigError) as info:
        sts.get_web_identity_credential()
    assert info.value.message.startswith(expected), info.value.message
    assert OIDC_TOKEN not in str(info.value) and OIDC_TOKEN not in repr(info.value)
    assert relay.requests == []


def test_web_identity_keys_never_reach_the_other_calls(emu: str, relay: Relay) -> None:
    # One object for both: a full credential config plus the web identity keys. Each call sends its own.
    config = dict(web_config(relay.url), secret_id=DEFAULT_ID, secret_key=DEFAULT_KEY, policy=POLICY)
    sts = Sts(config)
    check_credential(sts.get_role_credential())
    check_credential(sts.get_web_identity_credential())
    assert [r["headers"]["x-tc-action"] for r in relay.requests] == ["AssumeRole", "AssumeRoleWithWebIdentity"]
    assert "ProviderId" not in relay.requests[0]["body"] and "WebIdentityToken" not in relay.requests[0]["body"]
    assert relay.requests[1]["headers"]["authorization"] == "SKIP"


def test_wrong_oidc_token_is_the_services_error_without_the_token(emu: str) -> None:
    wrong = "eyJ.wrong.EXAMPLE-secret"
    with pytest.raises(StsError) as info:
        Sts(web_config(emu, web_identity_token=wrong)).get_web_identity_credential()
    assert info.value.status == libsts.STS_SERVICE
    assert wrong not in str(info.value) and wrong not in repr(info.value)


def test_assume_role_extras_reach_the_wire(relay: Relay) -> None:
    config = {
        "secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": relay.url, "role_arn": ROLE_ARN, "policy": POLICY,
        "tags": [{"key": "team", "value": "media"}, {"key": "env", "value": "prod"}],
        "source_identity": "user-1@example",
        "serialNumber": "qcs::cam::uin/100000000001:mfa/softToken",
        "TOKEN_CODE": "654321",  # the vendor's case-insensitive keys work for the new keys too
    }
    sts = Sts(config)
    assert sts.tags == config["tags"] and sts.token_code == "654321"
    check_credential(sts.get_role_credential())
    check_credential(sts.get_credential())  # GetFederationToken: none of the extras is sent
    assert [r["headers"]["x-tc-action"] for r in relay.requests] == ["AssumeRole", "GetFederationToken"]
    body = relay.requests[0]["body"]
    assert body["Tags"] == [{"Key": "team", "Value": "media"}, {"Key": "env", "Value": "prod"}]
    assert body["SourceIdentity"] == "user-1@example"
    assert body["SerialNumber"] == "qcs::cam::uin/100000000001:mfa/softToken"
    assert body["TokenCode"] == "654321"
    federation = relay.requests[1]["body"]
    assert not {"Tags", "SourceIdentity", "SerialNumber", "TokenCode"} & set(federation)
    normalized = sts.normalized_config(role=True)
    assert normalized["source_identity"] == "user-1@example" and "654321" not in json.dumps(normalized)


@pytest.mark.parametrize(
    "extra, field",
    [
        (dict(tags=[{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]), "tags[1].key"),
        (dict(tags=[{"key": "k" * 129, "value": "v"}]), "tags[0].key"),
        (dict(source_identity="a b"), "source_identity"),
        (dict(serial_number="qcs::cam::uin/1:mfa/softToken", token_code="12345"), "token_code"),
    ],
)
def test_bad_assume_role_extras_are_the_cores_refusals(relay: Relay, extra: Dict[str, Any], field: str) -> None:
    base = {"secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": relay.url, "role_arn": ROLE_ARN}
    with pytest.raises(StsConfigError) as info:  # in the config: at construction
        Sts(dict(base, **extra))
    assert info.value.message.startswith(f"{field}: "), info.value.message
    sts = Sts(base)
    for key, value in extra.items():  # set on the object afterwards: at the call, by the core
        setattr(sts, key, value)
    with pytest.raises(StsConfigError) as info:
        sts.get_role_credential()
    assert info.value.message.startswith(f"{field}: "), info.value.message
    assert "12345" not in str(info.value)
    assert relay.requests == []


def test_no_secret_in_the_config_signs_with_the_environment(emu: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", DEFAULT_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", DEFAULT_KEY)
    sts = Sts({"url": emu, "policy": POLICY})
    assert sts.secret_id is None and sts.secret_key is None  # the binding holds no secret of its own
    check_credential(sts.get_credential())
    check_credential(sts.get_role_credential(ROLE_ARN))
    check_credential(asyncio.run(sts.get_role_credential_async(ROLE_ARN)))


def test_temporary_key_with_get_credential_is_the_cores_refusal(emu: str, monkeypatch: pytest.MonkeyPatch) -> None:
    temp = {"secret_id": TEMP_ID, "secret_key": TEMP_KEY, "session_token": SESSION_TOKEN}
    errors = []
    for call in (lambda s: s.get_credential(), lambda s: asyncio.run(s.get_credential_async())):
        with pytest.raises(StsConfigError) as info:
            call(Sts(dict(temp, url=emu, policy=POLICY)))
        errors.append(info.value)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", TEMP_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", TEMP_KEY)
    monkeypatch.setenv("TENCENTCLOUD_SESSION_TOKEN", SESSION_TOKEN)
    env_sts = Sts({"url": emu, "policy": POLICY})
    with pytest.raises(StsConfigError) as info:
        env_sts.get_credential()
    errors.append(info.value)
    assert "TENCENTCLOUD_SESSION_TOKEN" in info.value.message
    for e in errors:
        assert isinstance(e, StsError) and isinstance(e, ValueError)
        assert (e.status, e.code) == (libsts.STS_INVALID_ARGUMENT, "Client.InvalidArgument")
        assert "use sts_get_role_credential" in e.message
        for secret in (SESSION_TOKEN, TEMP_KEY):
            assert secret not in str(e) and secret not in repr(e)
    # The same environment with a role: AssumeRole signs with the temporary key and its token.
    check_credential(env_sts.get_role_credential(ROLE_ARN))


@pytest.mark.parametrize(
    "config, message",
    [
        ({"secret_id": DEFAULT_ID, "secretId": DEFAULT_ID}, "secretId: given twice, also as `secret_id`"),
        ({"SECRET_KEY": DEFAULT_KEY, "secret_key": DEFAULT_KEY}, "secret_key: given twice"),
        (dict(web_config("http://127.0.0.1:1/"), providerId="tke-oidc"), "providerId: given twice, also as `provider_id`"),
    ],
)
def test_two_spellings_of_a_key_are_refused_at_construction_in_every_config(config: Dict[str, Any], message: str) -> None:
    # Not credential configs, so sts_check_config does not see them whole; one attribute cannot hold both.
    with pytest.raises(StsConfigError) as info:
        Sts(config)
    assert info.value.message.startswith(message), info.value.message
    assert DEFAULT_KEY not in str(info.value) and OIDC_TOKEN not in str(info.value)


def test_the_core_resolves_the_chain_and_the_binding_passes_the_source_keys(
    emu: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # test.sh (binding-test-env.sh) disables the CVM source; the profile file is the test's own.
    profile = tmp_path / "credentials"
    profile.write_text(f"[default]\nsecret_id = AKIDunknownEXAMPLE\nsecret_key = k\n[ci]\nsecret_id = {DEFAULT_ID}\nsecret_key = {DEFAULT_KEY}\n")
    monkeypatch.setenv("TENCENTCLOUD_CREDENTIALS_FILE", str(profile))
    monkeypatch.setenv("TENCENTCLOUD_METADATA_DISABLED", "true")
    identity = Sts({"url": emu, "profile": "ci"}).get_caller_identity()
    assert (identity["credentialSource"], identity["type"]) == ("profile", "RootAccount")
    check_credential(Sts({"url": emu, "profile": "ci", "policy": POLICY}).get_credential())
    # The environment comes first in the chain; credential_source pins the profile anyway.
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", DEFAULT_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", DEFAULT_KEY)
    assert Sts({"url": emu, "profile": "ci"}).get_caller_identity()["credentialSource"] == "env"
    pinned = Sts({"url": emu, "credentialSource": "profile", "profile": "ci"})
    assert pinned.credential_source == "profile"
    assert pinned.get_caller_identity()["credentialSource"] == "profile"
    with pytest.raises(StsError) as info:  # the default section's key is unknown to the emulator
        Sts({"url": emu, "credential_source": "profile"}).get_caller_identity()
    assert info.value.code == "AuthFailure.SecretIdNotFound"
