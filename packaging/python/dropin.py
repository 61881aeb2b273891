"""Drop-in check: every public name the vendor's python/demo programs (qcloud-python-sts) use,
called through the installed libsts package with only the import line changed
(`from sts.sts import ...` -> `from libsts.sts import ...`), against the emulator.

Run by packaging/python/user-test.sh (the installed wheel, no checkout) and by
bindings/python/tests/test_dropin.py (the development install). Plain Python, no test framework:
the installed package has no dependencies and the check installs nothing else.
Environment: STS_EMULATOR_URL (an emulator that knows the key pair below), STS_VERSION (optional:
the version the package must report).
"""

import json
import os
import sys
import warnings

from libsts.sts import CIScope, CISts, Scope, Sts  # the only line a vendor program changes

SECRET_ID = "AKIDEMULATOREXAMPLE0000000000000000"
SECRET_KEY = "emulator-secret-key-EXAMPLE"
ROLE_ARN = "qcs::cam::uin/100000000001:roleName/dropin-EXAMPLE"
BUCKET = "dropin-1250000000"
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def check_credential(what, response):
    """The answer's shape as the demos read it: dict(response), .get(...), json.dumps."""
    answer = dict(response)
    json.dumps(answer)
    keys = answer.get("credentials") or {}
    for name in ("tmpSecretId", "tmpSecretKey", "sessionToken"):
        check(isinstance(keys.get(name), str) and keys.get(name), f"{what}: credentials.{name} missing: {sorted(keys)}")
    for name in ("startTime", "expiredTime"):
        check(isinstance(answer.get(name), int), f"{what}: {name} is not an int: {answer.get(name)!r}")
    check(isinstance(answer.get("expiration"), str), f"{what}: expiration missing")
    check(isinstance(answer.get("requestId"), str) and answer.get("requestId"), f"{what}: requestId missing")
    if isinstance(answer.get("startTime"), int) and isinstance(answer.get("expiredTime"), int):
        check(answer["expiredTime"] > answer["startTime"], f"{what}: expiredTime not after startTime")


def base_config(url, **extra):
    config = {
        "url": url,
        "domain": "sts.tencentcloudapi.com",
        "duration_seconds": 1800,
        "secret_id": SECRET_ID,
        "secret_key": SECRET_KEY,
        "region": "ap-guangzhou",
    }
    config.update(extra)
    return config


def policies():
    """Scope with a string and a list prefix, set_condition, CIScope, Sts.get_policy (static)."""
    one = Scope("name/cos:PutObject", BUCKET, "ap-guangzhou", "uploads/a.txt")
    one.set_condition({"ip_equal": {"qcs:ip": ["192.0.2.0/24"]}})
    many = Scope("name/cos:GetObject", BUCKET, "ap-guangzhou", ["pub/1.txt", "pub/2.txt"])
    media = CIScope("name/ci:UpdateMediaQueue", BUCKET, "ap-guangzhou", "1/test.txt")
    policy = Sts.get_policy([one, many, media])
    check(policy.get("version") == "2.0", f"get_policy: version {policy.get('version')!r}")
    statements = policy.get("statement") or []
    check(len(statements) == 3, f"get_policy: {len(statements)} statements, expected 3")
    if len(statements) == 3:
        cos = "qcs::cos:ap-guangzhou:uid/1250000000:" + BUCKET
        check(statements[0].get("resource") == [cos + "/uploads/a.txt"], f"Scope resource: {statements[0]}")
        check(statements[0].get("condition") == {"ip_equal": {"qcs:ip": ["192.0.2.0/24"]}},
              f"set_condition did not reach the policy: {statements[0]}")
        check(statements[1].get("resource") == [cos + "/pub/1.txt", cos + "/pub/2.txt"], f"list prefix: {statements[1]}")
        check(statements[2].get("resource") == ["qcs::ci:ap-guangzhou:uid/1250000000:bucket/" + BUCKET + "/1/test.txt"],
              f"CIScope resource: {statements[2]}")
        check(all(s.get("effect") == "allow" for s in statements), "get_policy: effect is not allow")
    # One statement per scope, none merged, also for the same action twice.
    repeated = Sts.get_policy([Scope(a, BUCKET, "ap-guangzhou", p) for a, p in
                               (("name/cos:GetObject", "a"), ("name/cos:PutObject", "a"), ("name/cos:GetObject", "b"))])
    check(len(repeated.get("statement") or []) == 3, f"three scopes gave {repeated}")
    # A client sends Scope.get_dict() as JSON; the server rebuilds each with keyword arguments.
    sent = json.loads(json.dumps([one.get_dict(), many.get_dict()]))
    rebuilt = [Scope(action=d["action"], bucket=d["bucket"], region=d["region"], resource_prefix=d["prefix"]) for d in sent]
    again = Sts.get_policy(rebuilt)
    check([st.get("resource") for st in again.get("statement") or []] == [st.get("resource") for st in statements[:2]],
          f"get_dict round trip: {again}")
    return policy


def main():
    url = os.environ["STS_EMULATOR_URL"]
    version = os.environ.get("STS_VERSION")
    if version:
        import libsts
        from importlib.metadata import version as installed_version

        for what, got in (("libsts.__version__", libsts.__version__), ("package metadata", installed_version("libsts")),
                          ("sts_version()", libsts.library_version())):
            check(got == version, f"{what} is {got}, expected {version}")

    policy = policies()

    # sts_demo: Sts(config) with allow_prefix/allow_actions/condition; get_credential.
    allow = {"bucket": BUCKET, "allow_prefix": ["exampleobject", "exampleobject2"],
             "allow_actions": ["name/cos:PutObject", "name/cos:PostObject", "name/cos:UploadPart"],
             "condition": {"ip_equal": {"qcs:ip": ["192.0.2.0/24"]}}}
    check_credential("Sts.get_credential", Sts(base_config(url, **allow)).get_credential())
    # get_role_credential(role_arn=...), and a requests-style proxy dict left unset.
    role = Sts(base_config(url, proxy={"http": None, "https": None}, **allow))
    check_credential("Sts.get_role_credential", role.get_role_credential(role_arn=ROLE_ARN))
    # A ready policy from Sts.get_policy, with the demos' sts_scheme / sts_url (ignored, warned).
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ready = Sts(base_config(url, policy=policy, sts_scheme="https", sts_url="sts.tencentcloudapi.com/"))
    check(any("sts_scheme" in str(w.message) for w in caught), "sts_scheme was not reported as ignored")
    check_credential("Sts(policy=get_policy(...)).get_credential", ready.get_credential())
    # getKeyAndCredentials: a hand-written policy with an empty condition, proxy None.
    hand = {"version": "2.0", "statement": [{"action": ["name/cos:PutObject"], "effect": "allow",
                                             "resource": ["qcs::cos:ap-guangzhou:uid/1250000000:" + BUCKET + "/file/x.jpg"],
                                             "condition": {}}]}
    check_credential("Sts(hand-written policy)", Sts(base_config(url, policy=hand, proxy=None)).get_credential())
    # ci_sts_demo: CISts, add_resource, get_credential and get_role_credential (43200 s).
    ci = {"bucket": BUCKET, "allow_prefix": ["*"], "allow_actions": ["name/ci:DescribeMediaQueues"]}
    media = CISts(base_config(url, **dict(ci, allow_prefix=["jobs/a", "jobs/b"])))
    media.add_resource("*")
    ci_resource = "qcs::ci:ap-guangzhou:uid/1250000000:bucket/" + BUCKET
    built = media.build_policy()["statement"][0]["resource"]
    check(built == [ci_resource + "/jobs/a", ci_resource + "/jobs/b", "*"], f"CISts.add_resource: {built}")
    check_credential("CISts.get_credential", media.get_credential())
    long_ci = CISts(base_config(url, **dict(ci, duration_seconds=43200)))
    check_credential("CISts.get_role_credential", long_ci.get_role_credential(role_arn=ROLE_ARN))
    # The server demos hand str(response) to their client; a string allow_prefix.
    response = Sts(base_config(url, bucket=BUCKET, allow_prefix="*", allow_actions=["name/cos:PutObject"])).get_credential()
    check("tmpSecretKey" in str(response), "str(response) lacks the keys")
    # getKeyAndCredentials' camelCase spellings; its outer dict's own keys (appId) are refused by
    # name rather than ignored, so nobody believes they limit the keys.
    camel = {"secretId": SECRET_ID, "secretKey": SECRET_KEY, "durationSeconds": 1800, "bucket": BUCKET,
             "region": "ap-guangzhou", "allowActions": ["name/cos:PutObject"], "allowPrefix": ["file/*"], "url": url}
    check_credential("Sts(camelCase keys)", Sts(camel).get_credential())
    try:
        Sts(dict(camel, appId="1250000000"))
        failures.append("appId was accepted as a config key")
    except ValueError as e:  # StsConfigError is a ValueError
        check(getattr(e, "message", None) == "appId: unknown config key", f"appId: {e}")
    # The demos catch Exception and print it: a refused key is an Exception that names no secret.
    try:
        Sts(base_config(url, secret_key="wrong-secret-key-EXAMPLE", **allow)).get_credential()
        failures.append("a wrong secret key got credentials")
    except Exception as e:  # noqa: BLE001 (what the demos catch)
        check("AuthFailure" in str(e), f"wrong key: {e}")
        check("wrong-secret-key-EXAMPLE" not in str(e) and SECRET_KEY not in str(e), "the error quotes a secret")

    if failures:
        print("dropin: FAILED\n  " + "\n  ".join(failures), file=sys.stderr)
        return 1
    print("dropin: ok (Sts, CISts, Scope, CIScope, get_policy, set_condition, add_resource, get_credential, "
          "get_role_credential)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
