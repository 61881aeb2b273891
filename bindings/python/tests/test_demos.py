"""The upstream demos (tencentyun/qcloud-cos-sts-sdk python/demo) with their configs unchanged
apart from the import line (`from sts.sts import ...` -> `from libsts import ...`) and `url`
pointing at the emulator. Their secret ids/keys are registered with the emulator.
The demos print the response; here each function returns it and the test asserts on it."""

from __future__ import annotations

import json
import os
import datetime
import random
from typing import Any, Dict

import pytest

from libsts import CISts, Scope, Sts, StsConfigError

from test_emulator import check_credential


@pytest.fixture
def demo_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COS_SECRET_ID", "AKIDdemoEnv")
    monkeypatch.setenv("COS_SECRET_KEY", "demo-env-key")
    monkeypatch.setenv("SecretId", "AKIDdemoEnv")
    monkeypatch.setenv("SecretKey", "demo-env-key")
    monkeypatch.delenv("Proxy", raising=False)


# --- python/demo/sts_demo.py -------------------------------------------------------------

def sts_demo_get_credential(emu: str) -> Dict[str, Any]:
    config = {
        'url': emu,
        # 域名，非必须，默认为 sts.tencentcloudapi.com
        'domain': 'sts.tencentcloudapi.com',
        # 临时密钥有效时长，单位是秒
        'duration_seconds': 1800,
        'secret_id': os.environ['COS_SECRET_ID'],
        # 固定密钥
        'secret_key': os.environ['COS_SECRET_KEY'],
        'bucket': 'example-1253653367',
        'region': 'ap-guangzhou',
        'allow_prefix': ['exampleobject', 'exampleobject2'],
        'allow_actions': [
            'name/cos:PutObject',
            'name/cos:PostObject',
            'name/cos:InitiateMultipartUpload',
            'name/cos:ListMultipartUploads',
            'name/cos:ListParts',
            'name/cos:UploadPart',
            'name/cos:CompleteMultipartUpload'
        ],
    }
    sts = Sts(config)
    response = sts.get_credential()
    print('get data : ' + json.dumps(dict(response), indent=4)[:0])  # (the demo prints the keys; not here)
    return response


def sts_demo_get_role_credential(emu: str) -> Dict[str, Any]:
    config = {
        'url': emu,
        'domain': 'sts.internal.tencentcloudapi.com',
        'duration_seconds': 1800,
        'secret_id': os.environ['COS_SECRET_ID'],
        'secret_key': os.environ['COS_SECRET_KEY'],
        'bucket': 'example-1253653367',
        'region': 'ap-guangzhou',
        'allow_prefix': ['exampleobject', 'exampleobject2'],
        'allow_actions': [
            'name/cos:PutObject',
            'name/cos:PostObject',
            'name/cos:InitiateMultipartUpload',
            'name/cos:ListMultipartUploads',
            'name/cos:ListParts',
            'name/cos:UploadPart',
            'name/cos:CompleteMultipartUpload'
        ],
    }
    sts = Sts(config)
    role_arn = 'qcs::cam::uin/12345678:roleName/testRoleName'
    return sts.get_role_credential(role_arn=role_arn)


def test_sts_demo(emu: str, demo_env: None) -> None:
    check_credential(sts_demo_get_credential(emu))
    check_credential(sts_demo_get_role_credential(emu))


# --- python/demo/ci_sts_demo.py -----------------------------------------------------------

def ci_demo_get_credential(emu: str) -> CISts:
    config = {
        'url': emu,
        'domain': 'sts.tencentcloudapi.com',
        'duration_seconds': 1800,
        'secret_id': os.environ['COS_SECRET_ID'],
        'secret_key': os.environ['COS_SECRET_KEY'],
        'bucket': 'example-1253653367',
        'region': 'ap-guangzhou',
        'allow_prefix': ['exampleobject', 'exampleobject1'],
        'allow_actions': [
            'name/ci:DescribeMediaQueues',
        ],
        "condition": {
            "ip_equal": {
                "qcs:ip": [
                    "10.217.182.3/24",
                    "111.21.33.72/24",
                ]
            }
        }
    }
    sts = CISts(config)
    sts.add_resource("*")
    check_credential(sts.get_credential())
    return sts


def ci_demo_get_role_credential(emu: str) -> Dict[str, Any]:
    config = {
        'url': emu,
        'domain': 'sts.internal.tencentcloudapi.com',
        'duration_seconds': 43200,
        'secret_id': os.environ['COS_SECRET_ID'],
        'secret_key': os.environ['COS_SECRET_KEY'],
        'bucket': 'example-1253653367',
        'region': 'ap-guangzhou',
        'allow_prefix': ['*'],
        'allow_actions': [
            'name/ci:DescribeMediaQueues',
        ],
        "condition": {
            "ip_equal": {
                "qcs:ip": [
                    "10.217.182.3/24",
                    "111.21.33.72/24",
                ]
            }
        }
    }
    sts = CISts(config)
    role_arn = 'qcs::cam::uin/12345678:roleName/testRoleName'
    return sts.get_role_credential(role_arn=role_arn)


def test_ci_sts_demo(emu: str, demo_env: None) -> None:
    sts = ci_demo_get_credential(emu)
    ci = "qcs::ci:ap-guangzhou:uid/1253653367:bucket/example-1253653367"
    assert sts.build_policy() == {"version": "2.0", "statement": [{
        "action": ["name/ci:DescribeMediaQueues"], "effect": "allow",
        "resource": [f"{ci}/exampleobject", f"{ci}/exampleobject1", "*"],
        "condition": {"ip_equal": {"qcs:ip": ["10.217.182.3/24", "111.21.33.72/24"]}}}]}
    check_credential(ci_demo_get_role_credential(emu), 43200)


# --- python/demo/sts_policy_test.py --------------------------------------------------------

def test_sts_policy_test_demo(emu: str) -> None:
    scope = Scope('name/cos:PutObject', 'test-1250000000', 'ap-guangzhou', 'exampleobject')
    assert Sts.get_policy([scope])["statement"][0]["resource"] == [
        "qcs::cos:ap-guangzhou:uid/1250000000:test-1250000000/exampleobject"]

    scopes = list()
    scopes.append(Scope('name/cos:PutObject', 'example-1250000000', 'ap-guangzhou', 'exampleobject'))
    scopes.append(Scope('name/cos:GetObject', 'example-1250000000', 'ap-guangzhou', 'exampleobject'))
    scopes.append(Scope('name/cos:InitiateMultipartUpload', 'example-1250000000', 'ap-guangzhou', 'exampleobject'))
    scopes.append(Scope('name/cos:ListParts', 'example-1250000000', 'ap-guangzhou', 'exampleobject'))
    scopes.append(Scope('name/cos:UploadPart', 'example-1250000000', 'ap-guangzhou', 'exampleobject'))
    scopes.append(Scope('name/cos:CompleteMultipartUpload', 'example-1250000000', 'ap-guangzhou', 'exampleobject'))
    scopes.append(Scope('name/cos:GetObject', 'example-1250000000', 'ap-guangzhou', '1/test.txt'))
    policy = Sts.get_policy(scopes)
    assert len(policy["statement"]) == 7
    config = {
        'duration_seconds': 1800,
        'secret_id': 'AKIDPXXX',
        'secret_key': 'EH8xxx',
        'url': emu,
        'policy': Sts.get_policy(scopes)
    }
    sts = Sts(config)
    check_credential(sts.get_credential())


# --- python/demo/sts_server.py + sts_client_test.py (flask left out: the handlers' bodies) ---

def test_sts_server_demo(emu: str) -> None:
    # sts_client_test.request_sts(): the client sends the scopes' get_dict() as JSON.
    client_scopes = list()
    client_scopes.append(Scope('name/cos:PutObject', 'android-ut-persist-bucket-1253653367', 'ap-guangzhou', 'exampleobject'))
    client_scopes.append(Scope('name/cos:GetObject', 'android-ut-persist-bucket-1253653367', 'ap-guangzhou', '1/test.txt'))
    content = [element.get_dict() for element in client_scopes]
    form = {'scopes': json.dumps(content)}

    # sts_server.get_credential_response_with_scope()
    _list = json.loads(form['scopes'])
    scopes = list()
    for l in _list:
        d = dict(l)
        scopes.append(Scope(action=d['action'], bucket=d['bucket'], region=d['region'], resource_prefix=d['prefix']))
    policy = Sts.get_policy(scopes)
    config = {'duration_seconds': 1800, 'secret_id': 'AKIDxx', 'secret_key': 'EH8oxx', 'url': emu, 'policy': policy}
    check_credential(Sts(config).get_credential())

    # sts_server.get_credential_response()
    config = {
        'duration_seconds': 1800,
        'secret_id': 'AKIDxx',
        'secret_key': 'EH8oxx',
        'url': emu,
        'bucket': 'android-ut-persist-bucket-1253653367',
        'region': 'ap-guangzhou',
        'allow_prefix': '*',
        'allow_actions': [
            'name/cos:PutObject',
            'name/cos:PostObject',
            'name/cos:InitiateMultipartUpload',
            'name/cos:ListMultipartUploads',
            'name/cos:ListParts',
            'name/cos:UploadPart',
            'name/cos:CompleteMultipartUpload'
        ],
    }
    response = Sts(config).get_credential()
    check_credential(response)
    assert "tmpSecretKey" in str(response)  # the demo returns str(response) to its client


# --- python/demo/getKeyAndCredentials.py ----------------------------------------------------

def test_get_key_and_credentials_demo(emu: str, demo_env: None) -> None:
    config = {
        "ext": "jpg",
        "appId": "125000000",
        "secretId": os.getenv("SecretId"),
        "secretKey": os.getenv("SecretKey"),
        "proxy": os.getenv("Proxy"),
        "durationSeconds": 1800,
        "bucket": "bucket-125000000",
        "region": "ap-guangzhou",
        "allowActions": [
            "name/cos:PutObject",
            "name/cos:InitiateMultipartUpload",
            "name/cos:ListMultipartUploads",
            "name/cos:ListParts",
            "name/cos:UploadPart",
            "name/cos:CompleteMultipartUpload",
        ],
    }
    permission = {"limitExt": False, "extWhiteList": ["jpg", "jpeg", "png", "gif", "bmp"],
                  "limitContentType": True, "limitContentLength": True}

    def generate_cos_key(ext: Any = None) -> str:
        date = datetime.datetime.now()
        ymd = date.strftime('%Y%m%d')
        r = str(int(random.random() * 1000000)).zfill(6)
        return f"file/{ymd}/{ymd}_{r}.{ext if ext else ''}"

    resource = f"qcs::cos:{config['region']}:uid/{config['appId']}:{config['bucket']}/{generate_cos_key(config['ext'])}"
    condition: Dict[str, Any] = {}
    if permission["limitContentType"]:
        condition.update({"string_like": {"cos:content-type": "image/*"}})
    if permission["limitContentLength"]:
        condition.update({"numeric_less_than_equal": {"cos:content-length": 5 * 1024 * 1024}})

    credentialOption = {
        'duration_seconds': config.get('durationSeconds'),
        'secret_id': config.get("secretId"),
        'secret_key': config.get("secretKey"),
        'bucket': config.get("bucket"),
        'proxy': config.get("proxy"),
        'region': config.get("region"),
        'url': emu,
        "policy": {
            "version": '2.0',
            "statement": [
                {
                    "action": config.get("allowActions"),
                    "effect": "allow",
                    "resource": [
                        resource
                    ],
                    "condition": condition
                }
            ],
        },
    }
    sts = Sts(credentialOption)
    check_credential(sts.get_credential())

    # The demo's outer `config` dict itself is not a credential config: its `ext` and `appId`
    # (which the demo uses to build the resource) are refused by name, not silently ignored,
    # so nobody believes they limit the keys.
    outer = dict(config, url=emu, policy=credentialOption["policy"], allowActions=None)
    with pytest.raises(StsConfigError) as info:
        Sts(outer)
    assert info.value.message == "ext: unknown config key"
    del outer["ext"], outer["appId"]
    check_credential(Sts(outer).get_credential())
