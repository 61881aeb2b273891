"""The vendor package qcloud-python-sts (`sts.sts`, unchanged) against the emulator on 127.0.0.1.

It signs the legacy signature v1 way (HmacSHA1 over a form-encoded POST); the emulator verifies
that as STS does and issues real keys, so the benchmarks that compare libsts with the vendor time
two working calls. These tests prove the vendor call really works there, and fails where STS fails.
"""

from __future__ import annotations

import time
from typing import Any, Dict
from urllib.parse import urlsplit

import libsts
import pytest
import sts.sts as vendor

from conftest import DEFAULT_ID, DEFAULT_KEY


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # requests would send a loopback request through a proxy named in the environment.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


def vendor_config(emu: str, **extra: Any) -> Dict[str, Any]:
    config: Dict[str, Any] = {
        "secret_id": DEFAULT_ID,
        "secret_key": DEFAULT_KEY,
        "url": emu,
        # The host the vendor signs: by default sts.tencentcloudapi.com, here the emulator's.
        "domain": urlsplit(emu).netloc,
        "bucket": "example-1250000000",
        "region": "ap-guangzhou",
        "allow_prefix": ["dir/*"],
        "allow_actions": ["name/cos:PutObject"],
    }
    config.update(extra)
    return config


def assert_issued(result: Dict[str, Any], duration: int = 1800) -> None:
    credentials = result["credentials"]
    assert credentials["tmpSecretId"].startswith("AKID") and len(credentials["tmpSecretId"]) >= 40, result
    assert len(credentials["tmpSecretKey"]) == 44, result
    assert len(credentials["sessionToken"]) >= 100, result
    assert abs(result["expiredTime"] - int(time.time()) - duration) <= 5, result
    assert result["startTime"] == result["expiredTime"] - duration


def test_vendor_get_credential_gets_real_keys(emu: str) -> None:
    first = vendor.Sts(vendor_config(emu)).get_credential()
    assert_issued(first)
    second = vendor.Sts(vendor_config(emu)).get_credential()
    assert second["credentials"]["tmpSecretId"] != first["credentials"]["tmpSecretId"], "fresh keys per call"


def test_vendor_signing_the_service_domain_is_accepted(emu: str) -> None:
    # The vendor's default `domain`: the request goes to the emulator, the signature names STS.
    config = vendor_config(emu)
    del config["domain"]
    assert_issued(vendor.Sts(config).get_credential())


def test_vendor_get_role_credential_and_duration(emu: str) -> None:
    result = vendor.Sts(vendor_config(emu, duration_seconds=900)).get_role_credential(
        "qcs::cam::uin/100000000001:roleName/cos-uploader"
    )
    assert_issued(result, 900)


def test_vendor_and_libsts_answers_have_the_same_shape(emu: str, base_config: Dict[str, object]) -> None:
    ours = libsts.Sts(base_config).get_credential()
    theirs = vendor.Sts(vendor_config(emu)).get_credential()
    assert set(theirs) >= {"credentials", "expiredTime", "expiration", "startTime", "requestId"}
    assert set(theirs["credentials"]) == set(ours["credentials"])


@pytest.mark.parametrize(
    "change, code",
    [
        ({"secret_key": "wrong-key-EXAMPLE"}, "AuthFailure.SignatureFailure"),
        ({"secret_id": "AKIDUNKNOWNEXAMPLE"}, "AuthFailure.SecretIdNotFound"),
        ({"domain": "127.0.0.1:1"}, "AuthFailure.SignatureFailure"),  # another host signed
        ({"duration_seconds": 129601}, "InvalidParameterValue"),
    ],
)
def test_vendor_calls_fail_where_sts_fails(emu: str, change: Dict[str, Any], code: str) -> None:
    with pytest.raises(Exception) as raised:
        vendor.Sts(vendor_config(emu, **change)).get_credential()
    assert code in str(raised.value), raised.value
    assert DEFAULT_KEY not in str(raised.value)
