"""Scope / get_policy and config validation: the qcloud-python-sts API and the documented fixes."""

from __future__ import annotations

import json
import warnings
from typing import Any, Dict

import pytest
import sts.sts as vendor  # the real qcloud-python-sts 3.1.6

import libsts
from libsts import CIScope, CISts, Scope, Sts, StsConfigError, StsWarning

B = "example-1250000000"
R = "ap-guangzhou"
COS = f"qcs::cos:{R}:uid/1250000000:{B}"
CI = f"qcs::ci:{R}:uid/1250000000:bucket/{B}"
SECRET = "Sup3r-secret-key-value-0123456789"


def config(**extra: Any) -> Dict[str, Any]:
    base = {"secret_id": "AKIDtest", "secret_key": SECRET, "bucket": B, "region": R,
            "allow_prefix": "dir/*", "allow_actions": ["name/cos:PutObject"]}
    base.update(extra)
    return {k: v for k, v in base.items() if v is not ...}


def test_vendor_readme_example() -> None:
    scopes = [Scope("name/cos:PutObject", B, R, "1.txt"), Scope("name/cos:GetObject", B, R, "dir/exampleobject")]
    assert Sts.get_policy(scopes) == {
        "version": "2.0",
        "statement": [
            {"action": ["name/cos:PutObject"], "effect": "allow", "resource": [f"{COS}/1.txt"]},
            {"action": ["name/cos:GetObject"], "effect": "allow", "resource": [f"{COS}/dir/exampleobject"]},
        ],
    }
    assert Sts.get_policy(scopes) == vendor.Sts.get_policy(
        [vendor.Scope("name/cos:PutObject", B, R, "1.txt"), vendor.Scope("name/cos:GetObject", B, R, "dir/exampleobject")]
    )


def test_get_policy_edges() -> None:
    assert Sts.get_policy([]) == {"version": "2.0", "statement": []}
    assert Sts.get_policy("not a list") is None  # type: ignore[arg-type]
    assert vendor.Sts.get_policy("not a list") is None
    # Scope dicts in the cross-SDK format are accepted too.
    policy = Sts.get_policy([{"action": "name/cos:GetObject", "bucket": B, "region": R, "prefix": ["a", "b"], "service": "ci"}])
    assert policy["statement"][0]["resource"] == [f"{CI}/a", f"{CI}/b"]


def test_fix_leading_slash_is_kept() -> None:
    ours = Sts.get_policy([Scope("name/cos:GetObject", B, R, "/dir/*")])
    assert ours["statement"][0]["resource"] == [f"{COS}/dir/*"]
    # The original silently drops the resource (an empty list grants nothing, or fails at STS).
    theirs = vendor.Sts.get_policy([vendor.Scope("name/cos:GetObject", B, R, "/dir/*")])
    assert theirs["statement"][0]["resource"] == []


def test_fix_get_resource_is_idempotent() -> None:
    scope = Scope("name/cos:GetObject", B, R, ["a", "/b"])
    first = scope.get_resource()
    assert first == [f"{COS}/a", f"{COS}/b"]
    assert scope.get_resource() == first
    assert scope.get_dict()["prefix"] == ["a", "/b"]  # the scope is not modified
    theirs = vendor.Scope("name/cos:GetObject", B, R, ["a", "/b"])
    assert theirs.get_resource() == [f"{COS}/a"]
    assert theirs.get_resource() == []


def test_fix_action_lists_are_not_nested() -> None:
    actions = ["name/cos:PutObject", "name/cos:PostObject"]
    assert Sts.get_policy([Scope(actions, B, R, "a")])["statement"][0]["action"] == actions
    assert vendor.Sts.get_policy([vendor.Scope(actions, B, R, "a")])["statement"][0]["action"] == [actions]


def test_scope_api() -> None:
    scope = CIScope()
    scope.set_action("name/ci:DescribeMediaQueues")
    scope.set_bucket(B)
    scope.set_region(R)
    scope.set_resource_prefix("*")
    scope.is_allow(False)
    scope.set_condition({"ip_equal": {"qcs:ip": ["10.0.0.1/24"]}})
    assert scope.get_action() == "name/ci:DescribeMediaQueues"
    assert scope.get_effect() == "deny"
    assert scope.get_condition() == {"ip_equal": {"qcs:ip": ["10.0.0.1/24"]}}
    assert scope.get_resource() == [f"{CI}/*"]
    assert Sts.get_policy([scope])["statement"] == [
        {"action": ["name/ci:DescribeMediaQueues"], "effect": "deny", "resource": [f"{CI}/*"],
         "condition": {"ip_equal": {"qcs:ip": ["10.0.0.1/24"]}}}
    ]
    mine, theirs = Scope("a", B, R, "p"), vendor.Scope("a", B, R, "p")
    assert mine.get_dict() == theirs.get_dict()
    mine.is_allow(True)
    assert mine.get_effect() == "allow"


def test_scope_errors_are_value_errors() -> None:
    with pytest.raises(ValueError, match="action == None"):
        Sts.get_policy([Scope(None, B, R, "a")])
    with pytest.raises(ValueError, match="bucket == None"):
        Scope("a", None, R, "a").get_resource()
    with pytest.raises(ValueError, match="resource_prefix == None"):
        Scope("a", B, R, None).get_resource()
    with pytest.raises(ValueError, match="bucket is invalid"):
        Scope("a", "nodash", R, "a").get_resource()
    with pytest.raises(ValueError, match=r"scopes\[1\]\.bucket"):
        Sts.get_policy([Scope("a", B, R, "a"), Scope("a", None, R, "a")])
    with pytest.raises(ValueError, match="numeric appid"):
        Sts.get_policy([Scope("a", "example-abc", R, "a")])
    with pytest.raises(ValueError, match="region"):
        Sts.get_policy([Scope("a", B, None, "a")])
    with pytest.raises(ValueError, match="prefix"):
        Sts.get_policy([Scope("a", B, R, "")])
    with pytest.raises(ValueError):
        Sts.get_policy([42])  # type: ignore[list-item]
    # What has no JSON form is refused naming the field, before the library sees it.
    scope = Scope("a", B, R, "p")
    scope.set_condition({"numeric_equal": {"cos:x": float("inf")}})
    with pytest.raises(ValueError, match=r"^scopes\[0\]\.condition\.numeric_equal\.cos:x: NaN and infinity"):
        Sts.get_policy([scope])


def test_get_service_gets_star() -> None:
    policy = Sts.get_policy([Scope("name/cos:GetService", B, R, "a")])
    assert policy["statement"][0]["resource"] == ["*"]


def test_sts_builds_policy() -> None:
    sts = Sts(config(allow_prefix=["a/*", "/b.txt"], condition={"ip_equal": {"qcs:ip": "1.2.3.4"}}))
    assert sts.resource == [f"{COS}/a/*", f"{COS}/b.txt"]
    assert sts.build_policy() == {"version": "2.0", "statement": [{
        "action": ["name/cos:PutObject"], "effect": "allow", "resource": [f"{COS}/a/*", f"{COS}/b.txt"],
        "condition": {"ip_equal": {"qcs:ip": "1.2.3.4"}}}]}
    ci = CISts(config(allow_actions="name/ci:DescribeMediaQueues"))
    assert ci.resource == [f"{CI}/dir/*"]
    assert ci.build_policy()["statement"][0]["action"] == ["name/ci:DescribeMediaQueues"]


def test_add_resource() -> None:
    sts = Sts(config())
    sts.add_resource("*")
    sts.add_resource(["x", "y"])
    assert sts.resource == [f"{COS}/dir/*", "*", "x", "y"]
    with pytest.raises(ValueError, match="param type is invalid"):
        sts.add_resource(42)  # type: ignore[arg-type]
    ready = Sts(config(allow_prefix=None, allow_actions=None, policy={"version": "2.0", "statement": [{"action": "a"}]}))
    ready.add_resource("*")  # ignored with a ready policy, as the original
    assert ready.build_policy() == {"version": "2.0", "statement": [{"action": "a"}]}


def test_ready_policy_as_json_text() -> None:
    text = json.dumps(Sts.get_policy([Scope("a", B, R, "p")]))
    sts = Sts({"secret_id": "AKIDtest", "secret_key": SECRET, "policy": text})
    assert sts.build_policy() == json.loads(text)
    assert sts.region is None  # region is optional with a policy (the library defaults to ap-guangzhou)
    assert sts.normalized_config()["region"] == "ap-guangzhou"


def test_region_defaults_as_in_the_core() -> None:
    # The core defaults region to ap-guangzhou for the built policy too (qcloud-python-sts raised).
    sts = Sts(config(region=...))
    assert sts.resource == [f"{COS}/dir/*"]


def test_config_keys_are_case_insensitive_and_camel_case() -> None:
    a = Sts({"SECRET_ID": "AKIDtest", "Secret_Key": SECRET, "BUCKET": B, "Region": R,
             "ALLOW_PREFIX": "p", "Allow_Actions": "a", "Duration_Seconds": 60, "DOMAIN": "sts.internal.tencentcloudapi.com"})
    b = Sts({"secretId": "AKIDtest", "secretKey": SECRET, "bucket": B, "region": R,
             "allowPrefix": "p", "allowActions": "a", "durationSeconds": 60, "host": "sts.internal.tencentcloudapi.com"})
    assert a.build_policy() == b.build_policy()
    assert a.duration_seconds == b.duration_seconds == 60
    assert a.domain == b.domain == "sts.internal.tencentcloudapi.com"
    assert a.normalized_config() == b.normalized_config()
    c = Sts(config(endpoint="sts.internal.tencentcloudapi.com", timeoutMs=500, retries=0))
    sent = c._config(False, None)
    assert sent["endpoint"] == "sts.internal.tencentcloudapi.com"
    assert sent["timeout_ms"] == 500 and sent["retries"] == 0
    # camelCase is the core's spelling, exact: a case-changed camelCase key is a typo.
    with pytest.raises(StsConfigError) as info:
        Sts(config(secret_id=..., SECRETID="AKIDtest"))
    assert info.value.message.startswith("SECRETID: unknown config key")


def test_ignored_vendor_keys_warn_and_are_not_sent() -> None:
    with pytest.warns(StsWarning) as record:
        sts = Sts(config(sts_scheme="https", STS_URL="sts.tencentcloudapi.com"))
    assert sorted(str(w.message).split("'")[1] for w in record) == ["STS_URL", "sts_scheme"]
    assert all(w.filename == __file__ for w in record)  # points at the caller's line
    assert not {"sts_scheme", "sts_url", "STS_URL"} & set(sts._config(False, None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Sts(config(proxy=None, url=None))  # None means "not set", no warning


def test_misspelled_limit_fails_loudly() -> None:
    # Issue 10 item 7: `conditon` used to give keys without any condition and only a warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # not a warning: an error
        with pytest.raises(StsConfigError) as info:
            Sts(config(conditon={"ip_equal": {"qcs:ip": ["10.0.0.1"]}}))
    assert info.value.message == "conditon: unknown config key (did you mean `condition`?)"
    assert info.value.code == "Client.InvalidArgument" and info.value.status == libsts.STS_INVALID_ARGUMENT
    # Keys that are neither the core's nor an ignored vendor key are refused the same way.
    with pytest.raises(StsConfigError) as info:
        Sts(config(appId="1250000000"))
    assert info.value.message.startswith("appId: unknown config key")


def test_policy_together_with_built_policy_keys_is_refused() -> None:
    # qcloud-python-sts let `policy` win silently; the core refuses the ambiguity.
    with pytest.raises(StsConfigError) as info:
        Sts(config(policy={"version": "2.0", "statement": [{"action": "a"}]}))
    assert info.value.message.startswith("allow_prefix: ambiguous together with `policy`")


# (config changes, the field the core's message starts with, a fragment of it). The messages are
# the core's (sts_check_config), except where the value has no JSON form (the binding's, same form).
@pytest.mark.parametrize(
    "changes, field, fragment",
    [
        (dict(secret_id=...), "secret_id", "missing"),
        (dict(secret_key=""), "secret_key", "missing"),
        (dict(secret_id="AKID test"), "secret_id", "contains whitespace"),
        (dict(duration_seconds=1800.0), "duration_seconds", "expected an integer"),
        (dict(duration_seconds=True), "duration_seconds", "expected an integer, got a boolean"),
        (dict(duration_seconds=0), "duration_seconds", "out of range"),
        (dict(duration_seconds=129601), "duration_seconds", "out of range 1..=129600"),
        (dict(bucket=...), "bucket", "missing"),
        (dict(allow_prefix=...), "allow_prefix", "missing"),
        (dict(allow_prefix=[]), "allow_prefix", "empty list"),
        (dict(allow_prefix=[""]), "allow_prefix[0]", "empty string"),
        (dict(allow_prefix=[1]), "allow_prefix[0]", "expected a string"),
        (dict(allow_actions=...), "allow_actions", "missing"),
        (dict(allow_actions=[]), "allow_actions", "empty list"),
        (dict(bucket="example-abc"), "bucket", "numeric appid"),
        (dict(bucket="exa mple-1250000000"), "bucket", "only letters, digits"),
        (dict(region="ap/guangzhou"), "region", "only letters, digits"),
        (dict(condition="ip"), "condition", "expected a JSON object"),
        (dict(condition={"x": float("nan")}), "condition.x", "no JSON form"),
        (dict(condition={"x": b"bytes"}), "condition.x", "a bytes has no JSON form"),
        (dict(condition={1: "x"}), "condition", "keys must be strings"),
        (dict(policy=42, allow_prefix=..., allow_actions=...), "policy", "expected an object"),
        (dict(policy="{not json", allow_prefix=..., allow_actions=...), "policy", "not valid JSON"),
        (dict(url="http://sts.tencentcloudapi.com/"), "url", "loopback"),
        (dict(url="ftp://x/"), "url", "not an http(s) URL"),
        (dict(proxy={"all": "http://p:1"}), "proxy.all", "unknown key"),
        (dict(proxy=3128), "proxy", "expected a string or an object"),
        (dict(timeout_ms=0), "timeout_ms", "out of range"),
        (dict(retries=11), "retries", "out of range"),
        (dict(ca_file="/nonexistent/ca.pem"), "ca_file", "cannot read"),
        (dict(bucket=5), "bucket", "expected a string"),
        (dict(secret_id="AKIDtest", secretId="AKIDtest"), "secretId", "given twice, also as `secret_id`"),
        (dict(secret_id="AKIDtest", SECRET_ID="AKIDtest"), "secret_id", "given twice"),
        (dict(secret_key=SECRET + "\udcff"), "secret_key", "lone surrogate"),
        # JSON carries a NUL (cut there, both values would be valid): the core sees it and refuses it.
        (dict(region="ap-guangzhou\x00evil"), "region", "control character U+0000"),
        (dict(secret_key=SECRET + "\x00"), "secret_key", "control character U+0000"),
        (dict(allow_prefix=["ok", "bad\ud800"]), "allow_prefix[1]", "lone surrogate"),
        (dict(conditon={}), "conditon", "did you mean `condition`?"),
        (dict(role_arn="qcs::cam::uin/1:roleName/r", duration_seconds=50000), "duration_seconds", "out of range 1..=43200"),
        (dict(role_arn="qcs::cam::uin/1:roleName/r", name="uploader"), "name", "is a parameter of GetFederationToken"),
    ],
)
def test_config_problems_raise_value_error_at_construction(changes: Dict[str, Any], field: str, fragment: str) -> None:
    with pytest.raises(StsConfigError) as info:
        Sts(config(**changes))
    e = info.value
    assert isinstance(e, ValueError)
    assert e.code == "Client.InvalidArgument" and e.status == libsts.STS_INVALID_ARGUMENT
    assert e.message.startswith(f"{field}: "), e.message
    assert fragment in e.message
    assert SECRET not in str(e) and SECRET not in repr(e)


def test_full_form_ipv6_loopback_is_accepted() -> None:
    # Issue 11: refused by the old Python checks, accepted by the core. Nothing is sent here.
    url = "http://[0:0:0:0:0:0:0:1]:8080/"
    sts = Sts(config(url=url))
    assert sts.url == url
    assert sts.normalized_config()["url"] == url
    assert sts.normalized_config(role=True)["url"] == url


def test_config_must_be_a_dict() -> None:
    with pytest.raises(StsConfigError) as info:
        Sts(["secret_id"])  # type: ignore[arg-type]
    assert info.value.message == "config: must be a dict, got list"


def test_secret_key_never_shown() -> None:
    sts = Sts(config())
    assert SECRET not in repr(sts) and SECRET not in str(sts)
    assert "<redacted>" in repr(sts)


def test_env_fallback_at_construction(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TENCENTCLOUD_SECRET_ID", "AKIDenv")
    monkeypatch.setenv("TENCENTCLOUD_SECRET_KEY", SECRET)
    sts = Sts(config(secret_id=..., secret_key=...))
    assert "secret_key" not in sts._config(False, None)  # the library reads the environment itself


def test_exports() -> None:
    assert libsts.library_version() == libsts.__version__ == "0.1.0"
    from libsts.sts import CIScope as A, CISts as B2, Scope as C, Sts as D  # mirrors `from sts.sts import ...`
    assert (A, B2, C, D) == (CIScope, CISts, Scope, Sts)
    assert issubclass(libsts.StsError, Exception)
    assert issubclass(libsts.StsConfigError, ValueError)


class Name(str):
    def __str__(self) -> str:
        return "not-what-it-holds"


def _general_path(scopes: Any) -> Any:
    """get_policy through the dict-and-encoder path the direct JSON writer stands in for."""
    from libsts.sts import _policy_from_scopes

    return _policy_from_scopes([s._to_scope() for s in scopes])


@pytest.mark.parametrize(
    "scopes",
    [
        [Scope("name/cos:PutObject", B, R, "1.txt")],
        [Scope(["name/cos:PutObject", "name/cos:GetObject"], B, R, ["a/*", "b/\"quoted\"\\x"])],
        [Scope("name/cos:PutObject", B, R, "目录/文件 ä.txt"), CIScope("name/ci:CreateMediaJobs", B, R, "in/*")],
        [Scope("name/cos:PutObject", B, R, "ctl\u0001/x")],  # the core refuses it: same error both ways
        [Scope("name/cos:PutObject", B, R, "nul\u0000/x")],  # escaped, so the core sees it and refuses it
        [Scope("name/cos:PutObject", "example-x", R, "1.txt")],  # a bad bucket: the core's message both ways
        [Scope("name/cos:PutObject", B, R, ["a/*"]), Scope("name/cos:GetObject", B, "ap-beijing", "b")],
    ],
)
def test_direct_scope_json_gives_what_the_general_path_gives(scopes: Any) -> None:
    from libsts.sts import _scopes_json

    assert _scopes_json(scopes) is not None  # these take the direct path
    try:
        expected: Any = _general_path(scopes)
    except ValueError as e:
        with pytest.raises(ValueError) as got:
            Sts.get_policy(scopes)
        assert str(got.value) == str(e)
        return
    assert Sts.get_policy(scopes) == expected


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: s.set_condition({"ip_equal": {"qcs:ip": "10.0.0.1"}}),
        lambda s: s.set_action(("name/cos:PutObject",)),  # a tuple: the general path's rules
        lambda s: s.set_action(None),
        lambda s: s.set_bucket(None),
        lambda s: s.set_region(7),
        lambda s: s.set_resource_prefix(["ok", 3]),
        lambda s: s.set_resource_prefix("lone \udc80 surrogate"),
        lambda s: s.set_action([]),  # an empty list: the general path sends [], the core names it
        lambda s: s.set_bucket(Name(B)),  # a str subclass: the general path applies its str()
        lambda s: setattr(s, "effect", None),
    ],
)
def test_anything_but_plain_strings_takes_the_general_path(edit: Any) -> None:
    from libsts.sts import _scopes_json

    scope = Scope("name/cos:PutObject", B, R, "1.txt")
    edit(scope)
    assert _scopes_json([scope]) is None


def test_a_scope_subclass_takes_the_general_path() -> None:
    from libsts.sts import _scopes_json

    class Mine(Scope):
        pass

    assert _scopes_json([Mine("name/cos:PutObject", B, R, "1.txt")]) is None
    assert _scopes_json([]) is None


def test_empty_lists_are_refused_alike_on_both_paths() -> None:
    scope = Scope([], B, R, "1.txt")
    with pytest.raises(ValueError) as got:
        Sts.get_policy([scope])
    with pytest.raises(ValueError) as expected:
        _general_path([scope])
    assert str(got.value) == str(expected.value)
    assert "action" in str(got.value)
