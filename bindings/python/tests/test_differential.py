"""Differential tests against the real qcloud-python-sts 3.1.6 (`pip install qcloud-python-sts==3.1.6`).

Over generated inputs, the policies libsts builds equal (as parsed JSON) those of the original,
except for the documented fixes, which the expected value applies explicitly:

* get_policy: a prefix starting with `/` is kept (the original drops that resource), and a list
  of actions stays flat (the original nests it: [["a", "b"]]).
* Sts(config): `allow_actions` given as one string becomes a one-element list.
"""

from __future__ import annotations

import copy
import json
from typing import Any, Dict, List, Optional
from urllib.parse import unquote

import pytest
import sts.sts as vendor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from libsts import CIScope, CISts, Scope, Sts

SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Names the library accepts: letters, digits and `-`, and a numeric appid after the last `-`.
name = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
bucket = st.builds(lambda n, appid: f"{n}-{appid}", name, st.integers(1, 10**10).map(str))
region = st.sampled_from(["ap-guangzhou", "ap-beijing", "ap-shanghai", "na-siliconvalley"]) | name
# Any non-empty text, with and without a leading `/` (the fixed case).
# libsts refuses U+0000-U+001F and U+007F everywhere except TAB in object prefixes.
CONTROLS = "".join(map(chr, range(0x20))) + "\x7f"
text = st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROLS)
prefix_text = st.characters(blacklist_categories=("Cs",), blacklist_characters=CONTROLS.replace("\t", ""))
prefix = st.text(prefix_text, min_size=1, max_size=30) | st.text(prefix_text, min_size=0, max_size=30).map(lambda s: "/" + s)
prefixes = prefix | st.lists(prefix, min_size=1, max_size=4)
one_action = st.text(text, min_size=1, max_size=30).filter(lambda a: a != "name/cos:GetService") | st.sampled_from(
    ["name/cos:PutObject", "name/cos:GetObject", "name/ci:DescribeMediaQueues", "name/cos:*"]
)
actions = one_action | st.lists(one_action, min_size=1, max_size=4)
# A CAM condition: operator -> key -> a scalar or a list of scalars (libsts refuses the rest).
scalar = st.booleans() | st.integers(-(2**53), 2**53) | st.floats(allow_nan=False, allow_infinity=False) | st.text(text, max_size=10)
json_value = scalar | st.lists(scalar, max_size=3)
condition = st.none() | st.dictionaries(st.text(text, min_size=1, max_size=12), st.dictionaries(st.text(text, min_size=1, max_size=12), json_value, max_size=2), max_size=3)


@st.composite
def scopes(draw: Any) -> List[Dict[str, Any]]:
    return draw(st.lists(st.fixed_dictionaries({
        "ci": st.booleans(), "action": actions, "bucket": bucket, "region": region, "prefix": prefixes,
        "allow": st.booleans(), "condition": condition,
    }), max_size=5))


def make(module: Any, spec: Dict[str, Any]) -> Any:
    cls = module.CIScope if spec["ci"] else module.Scope
    scope = cls(copy.deepcopy(spec["action"]), spec["bucket"], spec["region"], copy.deepcopy(spec["prefix"]))
    scope.is_allow(spec["allow"])
    if spec["condition"] is not None:
        scope.set_condition(copy.deepcopy(spec["condition"]))
    return scope


def as_list(value: Any) -> List[Any]:
    return [value] if isinstance(value, str) else list(value)


def expected_policy(specs: List[Dict[str, Any]]) -> Dict[str, Any]:
    """The original's get_policy with the two documented fixes applied."""
    policy = vendor.Sts.get_policy([make(vendor, s) for s in specs])
    for statement, spec in zip(policy["statement"], specs):
        statement["action"] = as_list(spec["action"])  # flat, not [[...]]
        # Scope.get_resource of the original drops prefixes that start with `/`; its own
        # Sts(config) keeps them (no second `/`), which is what libsts does in both places.
        sts_cls = vendor.CISts if spec["ci"] else vendor.Sts
        statement["resource"] = sts_cls({
            "secret_id": "AKIDtest", "secret_key": "key", "bucket": spec["bucket"], "region": spec["region"],
            "allow_prefix": as_list(spec["prefix"]), "allow_actions": spec["action"],
        }).resource
    return json.loads(json.dumps(policy))


@SETTINGS
@given(scopes())
def test_get_policy_matches_vendor(specs: List[Dict[str, Any]]) -> None:
    ours = Sts.get_policy([make(__import__("libsts"), s) for s in specs])
    assert ours == expected_policy(specs)


@SETTINGS
@given(scopes())
def test_get_policy_matches_vendor_exactly_without_fixed_cases(specs: List[Dict[str, Any]]) -> None:
    # Inputs the fixes do not touch: one action string, no leading `/`. No adjustment at all.
    for spec in specs:
        spec["action"] = as_list(spec["action"])[0]
        spec["prefix"] = [p.lstrip("/") or "x" for p in as_list(spec["prefix"])]
    ours = Sts.get_policy([make(__import__("libsts"), s) for s in specs])
    theirs = vendor.Sts.get_policy([make(vendor, s) for s in specs])
    assert ours == json.loads(json.dumps(theirs))


def vendor_sent_policy(cls: Any, config: Dict[str, Any], extra_resources: List[Any]) -> Dict[str, Any]:
    """The policy the original actually puts on the wire, captured at requests.post."""
    sent: Dict[str, Any] = {}

    class Captured(Exception):
        pass

    def fake_post(url: str, proxies: Any = None, data: Optional[Dict[str, Any]] = None) -> Any:
        sent.update(data or {})
        raise Captured()

    original = vendor.requests.post
    vendor.requests.post = fake_post
    try:
        sts = cls(copy.deepcopy(config))
        for resource in extra_resources:
            sts.add_resource(copy.deepcopy(resource))
        with pytest.raises(Exception):
            sts.get_credential()
    finally:
        vendor.requests.post = original
    return json.loads(unquote(sent["Policy"]))


resource = st.text(min_size=1, max_size=40)


@SETTINGS
@given(
    ci=st.booleans(), bucket=bucket, region=region, prefixes=prefixes, actions=actions, condition=condition,
    extra=st.lists(resource | st.lists(resource, max_size=3), max_size=3),
)
def test_sts_config_policy_matches_vendor(ci: bool, bucket: str, region: str, prefixes: Any, actions: Any,
                                          condition: Optional[Dict[str, Any]], extra: List[Any]) -> None:
    config = {"secret_id": "AKIDtest", "secret_key": "key", "bucket": bucket, "region": region,
              "allow_prefix": prefixes, "allow_actions": actions}
    if condition is not None:
        config["condition"] = condition
    theirs = vendor_sent_policy(vendor.CISts if ci else vendor.Sts, config, extra)
    theirs["statement"][0]["action"] = as_list(theirs["statement"][0]["action"])  # documented: always a list

    ours_sts = (CISts if ci else Sts)(copy.deepcopy(config))
    for item in extra:
        ours_sts.add_resource(copy.deepcopy(item))
    ours = ours_sts.build_policy()
    assert ours_sts._config(False, None)["policy"] == ours  # what get_credential sends
    assert json.loads(json.dumps(ours)) == theirs


@SETTINGS
@given(bucket=bucket | st.text(max_size=20), region=region | st.text(max_size=12), prefix=prefix | st.text(max_size=8))
def test_sts_config_refusals_are_value_errors(bucket: str, region: str, prefix: str) -> None:
    """Wherever libsts disagrees with the original on arbitrary names, it raises ValueError
    at construction (documented: numeric appid, [A-Za-z0-9-] names, non-empty prefixes) and
    never builds a different policy."""
    config = {"secret_id": "AKIDtest", "secret_key": "key", "bucket": bucket, "region": region,
              "allow_prefix": prefix, "allow_actions": "name/cos:GetObject"}
    try:
        ours = Sts(copy.deepcopy(config)).build_policy()
    except ValueError:
        return
    theirs = vendor_sent_policy(vendor.Sts, config, [])
    theirs["statement"][0]["action"] = as_list(theirs["statement"][0]["action"])
    assert ours == theirs
