#!/usr/bin/env python3
"""Writes the TC3-HMAC-SHA256 vectors under tests/data/tc3/<case>/.

The independent reference for tests/tc3_vectors.rs: Python's hashlib and hmac only, written from
Tencent Cloud's API 3.0 "Signature v3" document, sharing no code with src/sign.rs. Run once, by
hand (`python3 tests/data/tc3/generate.py`); the tests read the files it wrote and never run it.
It first reproduces the official example's documented values and stops if it cannot.
"""

import hashlib
import hmac
import json
import sys
import urllib.parse
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ALGORITHM = "TC3-HMAC-SHA256"
CONTENT_TYPE = "application/json; charset=utf-8"
SIGNED_HEADERS = "content-type;host"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hmac_sha256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def sign(case):
    """The four stages of the document, for a POST / with no query string."""
    payload = case["payload"]
    canonical_request = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{case['host']}\n",
            SIGNED_HEADERS,
            sha256_hex(payload),
        ]
    )
    date = datetime.fromtimestamp(case["timestamp"], tz=timezone.utc).strftime("%Y-%m-%d")
    service = case["host"].split(".")[0]
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        [ALGORITHM, str(case["timestamp"]), scope, sha256_hex(canonical_request.encode("utf-8"))]
    )
    secret_date = hmac_sha256(("TC3" + case["secret_key"]).encode("utf-8"), date)
    secret_service = hmac_sha256(secret_date, service)
    secret_signing = hmac_sha256(secret_service, "tc3_request")
    signature = hmac.new(secret_signing, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={case['secret_id']}/{scope}, "
        f"SignedHeaders={SIGNED_HEADERS}, Signature={signature}"
    )
    return canonical_request, string_to_sign, signature, authorization


def request_bytes(case, authorization):
    """The request as sent on the wire: CRLF line ends, Content-Length, `Connection: close`."""
    headers = [
        ("Host", case["host"]),
        ("Content-Type", CONTENT_TYPE),
        ("Authorization", authorization),
        ("X-TC-Action", case["action"]),
        ("X-TC-Version", case["version"]),
        ("X-TC-Region", case["region"]),
        ("X-TC-Timestamp", str(case["timestamp"])),
    ]
    if "token" in case:
        headers.append(("X-TC-Token", case["token"]))
    if "header_order" in case:
        headers.sort(key=lambda header: case["header_order"].index(header[0]))
    headers += [("Content-Length", str(len(case["payload"]))), ("Connection", "close")]
    head = "POST / HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode("ascii") + case["payload"]


def compact(value) -> bytes:
    # Raw UTF-8, no spaces: the shape of the bodies libsts sends (serde_json's defaults).
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


POLICY = {
    "version": "2.0",
    "statement": [
        {
            "action": ["name/cos:PutObject", "name/cos:GetObject"],
            "effect": "allow",
            "resource": [
                "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/dir/a b/*",
                "qcs::cos:ap-guangzhou:uid/1250000000:example-1250000000/上传/*",
            ],
        }
    ],
}

CASES = {
    # The document's example, byte for byte (its payload escapes the non-ASCII name as \u).
    "cvm-describe-instances": {
        "secret_id": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "secret_key": "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        "host": "cvm.tencentcloudapi.com",
        "action": "DescribeInstances",
        "version": "2017-03-12",
        "region": "ap-guangzhou",
        "timestamp": 1551113065,
        # The order of the document's "final complete call information".
        "header_order": ["Authorization", "Content-Type", "Host", "X-TC-Action", "X-TC-Version", "X-TC-Timestamp", "X-TC-Region"],
        "payload": b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}',
    },
    # The policy is percent-encoded as libsts does it: RFC 3986 unreserved kept, every other
    # UTF-8 byte %XX (urllib's quote with safe="" keeps exactly A-Z a-z 0-9 - . _ ~).
    "sts-get-federation-token": {
        "secret_id": "AKIDEMULATOREXAMPLE0000000000000000",
        "secret_key": "emulator-secret-key-EXAMPLE",
        "host": "sts.tencentcloudapi.com",
        "action": "GetFederationToken",
        "version": "2018-08-13",
        "region": "ap-guangzhou",
        "timestamp": 1700000000,
        "payload": compact(
            {
                "Name": "cos-sts-libsts",
                "DurationSeconds": 1800,
                "Policy": urllib.parse.quote(compact(POLICY), safe=""),
            }
        ),
    },
    # Raw UTF-8 in the body (CAM tags may be Chinese): the payload hash is over the bytes.
    "sts-assume-role-utf8": {
        "secret_id": "AKIDUTF8EXAMPLE00000000000000000000",
        "secret_key": "utf8-secret-key-EXAMPLE",
        "host": "sts.tencentcloudapi.com",
        "action": "AssumeRole",
        "version": "2018-08-13",
        "region": "ap-shanghai",
        "timestamp": 1717171717,
        "payload": compact(
            {
                "RoleArn": "qcs::cam::uin/100000000001:roleName/cos-uploader",
                "RoleSessionName": "uploader-EXAMPLE",
                "DurationSeconds": 3600,
                "Tags": [{"Key": "部门", "Value": "存储组"}, {"Key": "note", "Value": "café ☕ 🚀"}],
            }
        ),
    },
    # 2023-12-31T23:59:59Z: already 2024-01-01 in UTC+8. The scope keeps the UTC date. Signed
    # with a temporary key: X-TC-Token is sent and not signed.
    "sts-utc-midnight": {
        "secret_id": "AKIDMIDNIGHTEXAMPLE0000000000000000",
        "secret_key": "midnight-secret-key-EXAMPLE",
        "token": "midnight-session-token-EXAMPLE",
        "host": "sts.tencentcloudapi.com",
        "action": "GetFederationToken",
        "version": "2018-08-13",
        "region": "ap-guangzhou",
        "timestamp": 1704067199,
        "payload": compact(
            {
                "Name": "cos-sts-libsts",
                "DurationSeconds": 900,
                "Policy": urllib.parse.quote(compact(POLICY), safe=""),
            }
        ),
    },
}


def check_official_example():
    """The values printed in the document; the generator is trusted only if it reproduces them."""
    case = CASES["cvm-describe-instances"]
    canonical_request, string_to_sign, signature, _ = sign(case)
    assert sha256_hex(case["payload"]) == "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
    assert canonical_request.endswith("35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064")
    assert string_to_sign == (
        "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n"
        "5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
    )
    assert signature == "72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"


def main():
    check_official_example()
    for name, case in CASES.items():
        canonical_request, string_to_sign, signature, authorization = sign(case)
        out = HERE / name
        out.mkdir(exist_ok=True)
        # Exact bytes, no trailing newline: each file is what the stage outputs.
        files = {
            "request": request_bytes(case, authorization),
            "secret": f"SecretId: {case['secret_id']}\nSecretKey: {case['secret_key']}\n".encode("ascii"),
            "canonical-request": canonical_request.encode("utf-8"),
            "string-to-sign": string_to_sign.encode("utf-8"),
            "signature": signature.encode("ascii"),
            "authorization": authorization.encode("ascii"),
        }
        for file, data in files.items():
            (out / file).write_bytes(data)
        print(f"{name}: {signature}", file=sys.stderr)


if __name__ == "__main__":
    main()
