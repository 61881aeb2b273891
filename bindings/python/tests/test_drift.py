"""The binding's copies of core facts, checked against the core (issue 11: one table, checked for drift).

Two things cannot be asked of the library at run time and are kept here once each:
the StsCode numbers (a .so carries no enum) in libsts/_ffi.py, and the key table that the
vendor's case-insensitive keys and the ``Sts`` attributes need, in libsts/_config.py.
"""

from __future__ import annotations

import inspect
import re
from typing import Dict, FrozenSet, Iterable, List, Set

import sts.sts as vendor  # the real qcloud-python-sts 3.1.6

import libsts
from libsts import _config, _ffi

from conftest import ROOT

HEADER = ROOT / "include" / "sts.h"
CORE_SOURCES = ROOT / "src"


def header_codes(text: str) -> Dict[str, int]:
    """`typedef enum StsCode { NAME [= value], ... }` of a C header, with C's implicit values."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    match = re.search(r"\benum\s+StsCode\s*\{(.*?)\}", text, flags=re.S)
    assert match, f"no `enum StsCode {{...}}` in {HEADER}"
    codes: Dict[str, int] = {}
    value = -1
    for item in (part.strip() for part in match.group(1).split(",")):
        if not item:
            continue
        entry = re.fullmatch(r"([A-Za-z_]\w*)\s*(?:=\s*(-?\d+))?", item)
        assert entry, f"cannot read the enumerator {item!r} in {HEADER}"
        value = int(entry.group(2)) if entry.group(2) is not None else value + 1
        codes[entry.group(1)] = value
    return codes


def test_header_parser_reads_implicit_and_explicit_values() -> None:
    text = "typedef enum StsCode {\n  /** doc, with = and , */\n  A = 0,\n  B, // note\n  C = 7,\n  D,\n} StsCode;"
    assert header_codes(text) == {"A": 0, "B": 1, "C": 7, "D": 8}


def test_sts_codes_match_the_header() -> None:
    expected = header_codes(HEADER.read_text(encoding="utf-8"))
    assert "STS_OK" in expected and len(expected) >= 6
    ours = {name: value for name, value in vars(_ffi).items() if name.startswith("STS_") and isinstance(value, int)}
    assert ours == expected, f"libsts/_ffi.py StsCode constants differ from {HEADER}"
    # The package re-exports them unchanged, and nothing else of that form.
    exported = {name: getattr(libsts, name) for name in libsts.__all__ if name.startswith("STS_")}
    assert exported == expected


# --- the exports --------------------------------------------------------------------------

#: Async exports this binding does not wrap (none today: each has its `_async` method).
UNWRAPPED_ASYNC: Set[str] = set()


def header_exports(text: str, params: str) -> Set[str]:
    """The `enum StsCode sts_*(...)` declarations whose parameters are `params` (types, names dropped)."""
    found = set()
    for name, args in re.findall(r"enum StsCode (sts_\w+)\(([^)]*)\)", text):
        types = ",".join(re.sub(r"\s*\b\w+$", "", a.strip()).replace(" ", "") for a in args.split(","))
        if types == params:
            found.add(name)
    return found


def test_ffi_signatures_match_the_header() -> None:
    text = HEADER.read_text(encoding="utf-8")
    blocking = header_exports(text, "constchar*,char**")
    asynchronous = header_exports(text, "constchar*,StsCallback,void*")
    assert {"sts_get_credential", "sts_get_caller_identity"} <= blocking, blocking
    # Every blocking `(in, &out)` export is declared with that signature in _ffi, and vice versa.
    assert set(_ffi.FUNCTIONS) == blocking
    assert set(_ffi.ASYNC_FUNCTIONS) == asynchronous - UNWRAPPED_ASYNC
    assert UNWRAPPED_ASYNC <= asynchronous, "an export listed as unwrapped is no longer in the header"


#: The other exports: what the package binds them to (None: deliberately not wrapped, and why).
OTHER_EXPORTS = {
    "sts_cache_clear": "cache_clear",
    "sts_string_free": None,  # called by _ffi after copying each answer
    "sts_version": "library_version",
    "sts_set_async_workers": None,  # the worker count is left to LIBSTS_ASYNC_WORKERS
}


def test_every_export_of_the_header_is_accounted_for() -> None:
    text = HEADER.read_text(encoding="utf-8")
    # Declarations start a line (after the optional STS_NODISCARD); doc comments start with ` *`.
    declared = set(re.findall(r"^(?:STS_NODISCARD )?(?:enum StsCode|void|const char) \*?(sts_\w+)\(", text, re.M))
    assert {"sts_get_credential", "sts_cache_clear", "sts_version"} <= declared, declared
    known = set(_ffi.FUNCTIONS) | set(_ffi.ASYNC_FUNCTIONS) | UNWRAPPED_ASYNC | set(OTHER_EXPORTS)
    assert declared == known, f"exports not accounted for: {sorted(declared ^ known)}"
    for export, name in OTHER_EXPORTS.items():
        if name is not None:
            assert name in libsts.__all__ and callable(getattr(libsts, name)), f"{export}: libsts.{name} missing"
            assert hasattr(_ffi._load(), export)


def test_every_wrapped_call_has_a_method() -> None:
    # Each credential/identity export is reachable from Sts (policy/check are static helpers).
    for function in _ffi.FUNCTIONS + _ffi.ASYNC_FUNCTIONS:
        if function in ("sts_get_policy", "sts_check_config"):
            continue
        method = function[len("sts_"):]
        assert callable(getattr(libsts.Sts, method, None)), f"Sts has no {method}() for {function}"


def test_every_table_key_belongs_to_one_group_of_calls() -> None:
    # Each Sts method sends the keys of its groups; a key in none would be sent by no call.
    from libsts import sts as module

    grouped = [key for group in module.KEY_GROUPS for key in group]
    assert len(grouped) == len(set(grouped)), "a key is in two groups"
    assert set(grouped) == set(_config.KEYS), "libsts/sts.py KEY_GROUPS differs from libsts/_config.py KEYS"


# --- the key table ------------------------------------------------------------------------
#
# The core has no export that lists its config keys, and copying its table (src/config.rs KEYS)
# into a test would drift exactly like the binding's copy. So the core is asked, key by key:
#
# * a spelling is a key of the core iff sts_check_config({spelling: null}) does not answer
#   "<spelling>: unknown config key" (the core resolves every key before reading any value);
# * two spellings are the same key iff sending both answers "<second>: given twice".
#
# The candidates to ask about are every identifier in the core's source files (wherever and
# however the key table is written, each key is spelled there), the keys of the core's
# normalized config, the vendor's keys and this binding's own spellings. That makes the list
# complete without parsing any Rust structure; a few thousand probes take well under a second.


def core_message(pairs: List[tuple]) -> str:
    code, out = _config.check(pairs)
    return "" if code == _ffi.STS_OK else out["error"]["message"]


def is_core_key(spelling: str) -> bool:
    return not core_message([(spelling, None)]).startswith(f"{spelling}: unknown config key")


def same_key(a: str, b: str) -> bool:
    return core_message([(a, None), (b, None)]).startswith(f"{b}: given twice")


def normalized_keys() -> Set[str]:
    base = {"secret_id": "AKIDEXAMPLE", "secret_key": "k", "policy": {"version": "2.0", "statement": [{}]}}
    keys: Set[str] = set()
    for config in (base, dict(base, role_arn="qcs::cam::uin/1:roleName/r", external_id="ext-id")):
        code, out = _config.check(list(config.items()))
        assert code == _ffi.STS_OK, out
        keys |= set(out)
    return keys


def vendor_keys() -> Set[str]:
    """The keys qcloud-python-sts 3.1.6 reads, from its own source (`"x" == key_lower`)."""
    keys = set(re.findall(r'"(\w+)" == key_lower', inspect.getsource(vendor.Sts.parse_parameters)))
    assert len(keys) >= 10, keys
    return keys


def core_key_classes(candidates: Iterable[str]) -> Set[FrozenSet[str]]:
    classes: List[Set[str]] = []
    for spelling in sorted(set(candidates)):
        if not is_core_key(spelling):
            continue
        for cls in classes:
            if same_key(next(iter(cls)), spelling):
                cls.add(spelling)
                break
        else:
            classes.append({spelling})
    return {frozenset(c) for c in classes}


def source_identifiers() -> Set[str]:
    files = sorted(CORE_SOURCES.rglob("*.rs"))
    assert files, f"no Rust sources under {CORE_SOURCES}"
    words: Set[str] = set()
    for path in files:
        words |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]{0,40}", path.read_text(encoding="utf-8")))
    return words


TABLE_CLASSES = {frozenset((name, *aliases)) for name, (_, aliases) in _config.KEYS.items()}


def test_key_table_matches_the_core() -> None:
    table_spellings = {s for cls in TABLE_CLASSES for s in cls}
    candidates = source_identifiers() | normalized_keys() | vendor_keys() | table_spellings
    core = core_key_classes(candidates)
    assert len(core) >= 15, "the probe found almost no keys: has the core's unknown-key message changed?"
    missing = sorted(sorted(cls) for cls in core - TABLE_CLASSES)
    stale = sorted(sorted(cls) for cls in TABLE_CLASSES - core)
    assert not missing and not stale, (
        f"libsts/_config.py KEYS differs from the core: keys (with spellings) the table lacks or groups "
        f"differently: {missing}; table entries the core does not have: {stale}"
    )


def test_table_canonical_names_are_the_cores() -> None:
    # The normalized config names keys canonically; each one known as a key is a table key.
    for key in normalized_keys():
        if is_core_key(key):
            assert key in _config.KEYS, f"the core reports `{key}` canonically; it is an alias in the table"


def test_vendor_keys_are_all_core_keys() -> None:
    for key in vendor_keys():
        assert _config.canonical(key) is not None, f"qcloud-python-sts key {key!r} is missing from the table"
        assert is_core_key(key)


def test_ignored_vendor_keys_are_not_core_keys() -> None:
    # Ignoring a key the core knows would silently drop a setting, possibly a limit.
    for key in _config.IGNORED_VENDOR_KEYS:
        assert not is_core_key(key), f"{key} is a core key now: pass it on instead of ignoring it"
        assert _config.canonical(key) is None


def test_case_folding_is_unambiguous() -> None:
    # Every all-lower-case spelling is matched in any case; no two keys may fold together.
    folded = [s.lower() for cls in TABLE_CLASSES for s in cls if s == s.lower()]
    assert len(folded) == len(set(folded))
    camel = {s.lower() for cls in TABLE_CLASSES for s in cls if s != s.lower()}
    assert not camel & set(folded)


def test_probes_can_fail() -> None:
    # The probes themselves: a key, an alias pair, a non-key, two different keys.
    assert is_core_key("bucket") and not is_core_key("bukcet")
    assert same_key("secret_id", "secretId") and not same_key("secret_id", "secret_key")
    assert frozenset({"endpoint", "domain", "host"}) in core_key_classes(["endpoint", "domain", "host", "url"])
