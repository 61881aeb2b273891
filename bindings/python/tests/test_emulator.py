"""Credential calls against the project's STS emulator (127.0.0.1 only)."""

from __future__ import annotations

import threading
import time
from typing import Any, Dict, List, Tuple

import pytest

import libsts
from libsts import StsConfigError, StsError, Sts

from conftest import DEFAULT_ID, DEFAULT_KEY, SLOW_LATENCY_MS, Trap, emulator_url

ROLE_ARN = "qcs::cam::uin/12345678:roleName/testRoleName"


def check_credential(result: Dict[str, Any], duration: int = 1800) -> None:
    # Same keys and value types as qcloud-python-sts returns.
    assert set(result) == {"credentials", "expiration", "startTime", "expiredTime", "requestId"}
    assert set(result["credentials"]) == {"tmpSecretId", "tmpSecretKey", "sessionToken"}
    for value in result["credentials"].values():
        assert isinstance(value, str) and value
    assert isinstance(result["startTime"], int) and isinstance(result["expiredTime"], int)
    assert result["expiredTime"] - result["startTime"] == duration
    assert abs(result["startTime"] - time.time()) < 120
    assert isinstance(result["expiration"], str)
    assert time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(result["expiredTime"])) == result["expiration"]
    assert isinstance(result["requestId"], str) and result["requestId"]


def test_get_credential_signed_and_verified(base_config: Dict[str, Any]) -> None:
    # The emulator answers credentials only after verifying the TC3 signature.
    result = Sts(base_config).get_credential()
    check_credential(result)


def test_get_credential_duration_and_internal_domain(base_config: Dict[str, Any]) -> None:
    config = dict(base_config, duration_seconds=900, domain="sts.internal.tencentcloudapi.com")
    check_credential(Sts(config).get_credential(), 900)


def test_get_role_credential(base_config: Dict[str, Any]) -> None:
    sts = Sts(dict(base_config, duration_seconds=3600))
    check_credential(sts.get_role_credential(ROLE_ARN), 3600)
    check_credential(sts.get_role_credential(role_arn=ROLE_ARN), 3600)


def test_role_options_from_config(base_config: Dict[str, Any]) -> None:
    config = dict(base_config, role_arn=ROLE_ARN, role_session_name="backend_1", external_id="ext-id_1")
    sts = Sts(config)
    check_credential(sts.get_role_credential())
    check_credential(sts.get_credential())  # role keys are not sent to GetFederationToken
    assert sts.normalized_config(role=True)["role_session_name"] == "backend_1"
    assert "role_arn" not in sts.normalized_config()


def test_role_arn_required(base_config: Dict[str, Any]) -> None:
    with pytest.raises(StsConfigError) as info:
        Sts(base_config).get_role_credential()
    assert info.value.message.startswith("role_arn: missing")


def test_credentials_from_environment(base_config: Dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", DEFAULT_ID)
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", DEFAULT_KEY)
    config = {k: v for k, v in base_config.items() if not k.startswith("secret")}
    check_credential(Sts(config).get_credential())


def test_temporary_key_pair_signs_with_its_session_token(base_config: Dict[str, Any]) -> None:
    config = dict(
        base_config,
        secret_id="AKIDTEMPORARYEXAMPLE",
        secret_key="temporary-key",
        url=emulator_url("TEMPORARY"),
    )
    check_credential(Sts(dict(config, session_token="session-token-EXAMPLE")).get_role_credential(ROLE_ARN))
    check_credential(Sts(dict(config, sessionToken="session-token-EXAMPLE")).get_role_credential(ROLE_ARN))
    # GetFederationToken accepts permanent keys only: the core refuses before sending.
    with pytest.raises(StsConfigError) as refused:
        Sts(dict(config, session_token="session-token-EXAMPLE")).get_credential()
    assert "use sts_get_role_credential" in str(refused.value)
    assert "session-token-EXAMPLE" not in str(refused.value)
    with pytest.raises(StsError) as info:
        Sts(config).get_role_credential(ROLE_ARN)
    assert info.value.code == "AuthFailure.TokenFailure"
    sts = Sts(dict(config, session_token="session-token-EXAMPLE"))
    assert "session-token-EXAMPLE" not in repr(sts) and "session-token-EXAMPLE" not in str(info.value)


def test_wrong_secret_key_is_signature_failure(base_config: Dict[str, Any]) -> None:
    secret = "wrong-key-" + "s3cr3t" * 4
    with pytest.raises(StsError) as info:
        Sts(dict(base_config, secret_key=secret)).get_credential()
    e = info.value
    assert e.code == "AuthFailure.SignatureFailure"
    assert e.status == libsts.STS_SERVICE
    assert e.request_id
    assert e.message
    assert str(e).startswith("AuthFailure.SignatureFailure: ") and e.request_id in str(e)
    assert not isinstance(e, ValueError)
    for text in (str(e), repr(e), str(e.args)):
        assert secret not in text


def test_unknown_secret_id(base_config: Dict[str, Any]) -> None:
    with pytest.raises(StsError) as info:
        Sts(dict(base_config, secret_id="AKIDunknown0000")).get_role_credential(ROLE_ARN)
    assert info.value.code == "AuthFailure.SecretIdNotFound"
    assert info.value.request_id


def test_network_error_is_quick() -> None:
    config = {
        "secret_id": DEFAULT_ID, "secret_key": DEFAULT_KEY, "url": "http://127.0.0.1:1/", "retries": 0,
        "bucket": "example-1250000000", "region": "ap-guangzhou", "allow_prefix": "a", "allow_actions": "name/cos:GetObject",
    }
    start = time.monotonic()
    with pytest.raises(StsError) as info:
        Sts(config).get_credential()
    assert time.monotonic() - start < 2
    assert info.value.status == libsts.STS_NETWORK
    assert info.value.code == "Client.Network"
    assert info.value.request_id is None
    assert DEFAULT_KEY not in str(info.value)


def test_timeout(base_config: Dict[str, Any]) -> None:
    config = dict(base_config, url=emulator_url("HANG"), timeout_ms=300, retries=0)
    start = time.monotonic()
    with pytest.raises(StsError) as info:
        Sts(config).get_credential()
    assert time.monotonic() - start < 3
    assert info.value.status == libsts.STS_NETWORK
    assert info.value.code == "Client.Timeout"


def test_throttled_service_error(base_config: Dict[str, Any]) -> None:
    with pytest.raises(StsError) as info:
        Sts(dict(base_config, url=emulator_url("THROTTLE"), retries=0)).get_credential()
    assert info.value.status == libsts.STS_SERVICE
    assert info.value.code.startswith("RequestLimitExceeded")
    assert info.value.request_id


def test_http_500(base_config: Dict[str, Any]) -> None:
    with pytest.raises(StsError) as info:
        Sts(dict(base_config, url=emulator_url("HTTP500"), retries=0)).get_credential()
    assert info.value.code == "Client.HttpStatus"
    assert "500" in info.value.message
    assert info.value.status == libsts.STS_BAD_RESPONSE


@pytest.mark.parametrize("emulator", ["MALFORMED", "WRONGSHAPE"])
def test_bad_response(base_config: Dict[str, Any], emulator: str) -> None:
    with pytest.raises(StsError) as info:
        Sts(dict(base_config, url=emulator_url(emulator), retries=0)).get_credential()
    assert info.value.status == libsts.STS_BAD_RESPONSE
    assert info.value.code == "Client.BadResponse"


def test_transient_failures_are_retried(base_config: Dict[str, Any]) -> None:
    # The FLAKY emulator answers its first two requests with 503; retries=2 makes 3 attempts.
    check_credential(Sts(dict(base_config, url=emulator_url("FLAKY"), retries=2)).get_credential())


def test_library_refusal_at_call_time_is_value_error(base_config: Dict[str, Any], trap: Trap) -> None:
    # 43200 < 50000 <= 129600: fine for GetFederationToken, over AssumeRole's limit (issue 11).
    sts = Sts(dict(base_config, duration_seconds=50000, url=trap.url, timeout_ms=300, retries=0))
    with pytest.raises(StsConfigError) as info:
        sts.get_role_credential(ROLE_ARN)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "Client.InvalidArgument"
    assert info.value.message == "duration_seconds: 50000 is out of range 1..=43200"
    # With role_arn in the config, the AssumeRole rules apply at construction already.
    with pytest.raises(StsConfigError) as info:
        Sts(dict(base_config, duration_seconds=50000, role_arn=ROLE_ARN, url=trap.url))
    assert info.value.message == "duration_seconds: 50000 is out of range 1..=43200"
    assert trap.connections == 0, "a refused config reached the network"
    # Control: the same object's GetFederationToken call is allowed and does reach the trap.
    with pytest.raises(StsError) as sent:
        sts.get_credential()
    assert sent.value.status in (libsts.STS_NETWORK, libsts.STS_BAD_RESPONSE)
    assert trap.connections >= 1
    # An attribute changed after construction is checked by the library too.
    sts = Sts(base_config)
    sts.region = "ap guangzhou"
    with pytest.raises(ValueError, match="region"):
        sts.get_credential()


def test_add_resource_is_sent(base_config: Dict[str, Any]) -> None:
    sts = Sts(base_config)
    sts.add_resource("qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/other/*")
    check_credential(sts.get_credential())
    assert sts._config(False, None)["policy"] == sts.build_policy()
    assert len(sts.build_policy()["statement"][0]["resource"]) == 2


def test_gil_is_released_during_network_calls(base_config: Dict[str, Any]) -> None:
    """Two threads against an emulator that waits SLOW_LATENCY_MS per request overlap in time."""
    sts = Sts(dict(base_config, url=emulator_url("SLOW")))
    latency = SLOW_LATENCY_MS / 1000
    check_credential(sts.get_credential())  # warm up: connection pool, library load

    start = time.monotonic()
    check_credential(sts.get_credential())
    single = time.monotonic() - start
    assert single >= latency

    spans: List[Tuple[float, float]] = []
    errors: List[BaseException] = []
    ticks = [0]
    stop = threading.Event()

    def call() -> None:
        try:
            begin = time.monotonic()
            check_credential(sts.get_credential())
            spans.append((begin, time.monotonic()))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    def spin() -> None:  # pure Python work; runs only while the callers do not hold the GIL
        while not stop.is_set():
            ticks[0] += 1

    spinner = threading.Thread(target=spin)
    threads = [threading.Thread(target=call) for _ in range(2)]
    start = time.monotonic()
    spinner.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = time.monotonic() - start
    stop.set()
    spinner.join()

    assert not errors, errors
    assert len(spans) == 2
    print(f"one call {single * 1000:.0f} ms, two threads {total * 1000:.0f} ms, latency {SLOW_LATENCY_MS} ms")
    assert max(b for b, _ in spans) < min(e for _, e in spans), "the two calls did not overlap"
    assert total < 1.5 * latency + 0.2, f"two calls took {total:.3f}s; latency {latency}s each"
    assert ticks[0] > 1000, "Python code did not run while the calls waited"


@pytest.mark.parametrize("proxy", ["", {"http": "", "https": ""}, {"http": None}, None])
def test_no_proxy_forms(base_config: Dict[str, Any], proxy: Any) -> None:
    check_credential(Sts(dict(base_config, proxy=proxy)).get_credential())


@pytest.mark.parametrize("proxy", ["http://127.0.0.1:1", {"http": "http://127.0.0.1:1", "https": "http://127.0.0.1:1"}])
def test_proxy_is_used(base_config: Dict[str, Any], proxy: Any) -> None:
    # A proxy that refuses connections: the call fails, so the proxy was really in the path.
    with pytest.raises(StsError) as info:
        Sts(dict(base_config, proxy=proxy, retries=0)).get_credential()
    assert info.value.status == libsts.STS_NETWORK
    assert info.value.code in ("Client.Proxy", "Client.Network")


def test_upload_credential_for_one_server_chosen_key(emu: str) -> None:
    config = {
        "secret_id": DEFAULT_ID,
        "secret_key": DEFAULT_KEY,
        "url": emu,
        "bucket": "example-1250000000",
        "region": "ap-guangzhou",
        "upload": {"allow_ext": ["jpg", "png"], "content_type": "image/*"},
    }
    sts = Sts(config)
    first, second = sts.get_upload_credential(filename="Photo.JPG"), sts.get_upload_credential(ext="png")
    check_credential({k: v for k, v in first.items() if k not in ("bucket", "region", "key")})
    assert first["bucket"] == "example-1250000000" and first["region"] == "ap-guangzhou"
    assert first["key"].startswith("file/") and first["key"].endswith(".jpg"), first["key"]
    assert second["key"].endswith(".png") and second["key"] != first["key"]
    with pytest.raises(StsConfigError) as info:
        sts.get_upload_credential(ext="exe")
    assert info.value.message.startswith("upload.ext: "), info.value.message


def test_cache_answers_identical_calls_once(base_config: Dict[str, Any]) -> None:
    sts = Sts(dict(base_config, cache=True, duration_seconds=3600))
    first, again = sts.get_credential(), sts.get_credential()
    assert first == again, "a cache hit returns the same answer"
    check_credential(first, 3600)
