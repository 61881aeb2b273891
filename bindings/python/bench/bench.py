"""The Python binding next to the vendor package qcloud-cos-sts 3.1.6, in one run:

    python3 bindings/python/bench/bench.py              # after `cargo build --release`
    python3 bindings/python/bench/bench.py policy       # only the get_policy rows, wall clock
    python3 bindings/python/bench/bench.py instructions # get_policy in instructions (valgrind)

- credential calls against the STS emulator answering in 30 ms, 32 callers at once (each makes its
  next call when its answer arrives): libsts with asyncio (32 tasks on one event loop), libsts's
  blocking call from 32 threads, and qcloud-python-sts from 32 threads;
- sequential calls (one caller) against the emulator without latency;
- ``get_policy`` with one scope.

This checkout's package (bindings/python/src) and library (target/release/libsts.so, or
LIBSTS_PATH) are measured, not an installed copy. Each measurement runs in a fresh interpreter,
three rounds alternating between the packages; the table shows the median round.

qcloud-python-sts posts to its ``url`` (here the emulator's http://127.0.0.1 address) with the
legacy signature v1 (HmacSHA1 over a form, a new connection per call as requests.post makes one),
which the emulator verifies as STS does: both packages get real keys. A call counts only when it
returns a credential; any failed call ends the benchmark with an error.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import timeit
from pathlib import Path
from typing import Any, Callable, Dict, List
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[3]
SRC = ROOT / "bindings" / "python" / "src"
EMULATOR = Path(os.environ.get("LIBSTS_EMULATOR", ROOT / "target" / "release" / "sts-emulator"))
LIB = os.environ.get("LIBSTS_PATH", str(ROOT / "target" / "release" / "libsts.so"))
LATENCY_MS = 30
CALLERS = 32
CALLS = int(os.environ.get("BENCH_CALLS", "2000"))
SEQUENTIAL = int(os.environ.get("BENCH_SEQUENTIAL", "2000"))
ROUNDS = 3
CONFIG = {
    "secret_id": "AKIDEMULATOREXAMPLE0000000000000000",
    "secret_key": "emulator-secret-key-EXAMPLE",
    "bucket": "example-1250000000",
    "region": "ap-guangzhou",
    "allow_prefix": "dir/*",
    "allow_actions": ["name/cos:PutObject"],
}


# --- child processes: one measurement each, one JSON line on stdout --------------------------


def issued(result: Dict[str, Any]) -> None:
    """Raises unless ``result`` holds a credential (checked, not printed: it holds the keys)."""
    c = result.get("credentials") or {}
    if not (str(c.get("tmpSecretId", "")).startswith("AKID") and c.get("tmpSecretKey") and c.get("sessionToken")):
        raise RuntimeError("the answer holds no credential")


def threaded(call: Callable[[], Any], calls: int, callers: int) -> float:
    """``callers`` threads, each making its next call when the previous one returns; seconds.
    The first failure stops every thread and is raised (a thread's exception would only be printed)."""
    lock = threading.Lock()
    started = [0]
    failures: List[BaseException] = []

    def loop() -> None:
        while True:
            with lock:
                if started[0] >= calls or failures:
                    return
                started[0] += 1
            try:
                issued(call())
            except BaseException as e:  # noqa: BLE001 (re-raised in the caller's thread)
                with lock:
                    failures.append(e)
                return

    threads = [threading.Thread(target=loop) for _ in range(callers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    return time.perf_counter() - t0


def libsts_asyncio(url: str, calls: int, callers: int) -> float:
    import asyncio

    from libsts import Sts

    sts = Sts(dict(CONFIG, url=url))

    async def run(n: int) -> float:
        started = [0]

        async def loop() -> None:
            while started[0] < n:
                started[0] += 1
                issued(await sts.get_credential_async())

        t0 = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(callers)))
        return time.perf_counter() - t0

    async def main() -> float:
        await run(min(calls, 2 * callers))  # workers and connections started
        return await run(calls)

    return asyncio.run(main())


def libsts_threads(url: str, calls: int, callers: int) -> float:
    from libsts import Sts

    sts = Sts(dict(CONFIG, url=url))
    threaded(sts.get_credential, min(calls, 2 * callers), callers)
    return threaded(sts.get_credential, calls, callers)


def vendor_threads(url: str, calls: int, callers: int) -> float:
    from sts.sts import Sts as VendorSts

    # It signs its `domain` (by default sts.tencentcloudapi.com): the host it calls, as a user
    # pointing it at another endpoint sets it.
    config = dict(CONFIG, url=url, domain=urlsplit(url).netloc)

    def call() -> Dict[str, Any]:
        return VendorSts(config).get_credential()

    threaded(call, min(calls, 2 * callers), callers)
    return threaded(call, calls, callers)


def policy() -> Dict[str, float]:
    import sts.sts as vendor

    import libsts

    def best(f: Callable[[], Any], n: int = 20000) -> float:
        return min(timeit.repeat(f, number=n, repeat=7)) / n * 1e6

    args = POLICY_ARGS
    return {
        "vendor": best(lambda: vendor.Sts.get_policy([vendor.Scope(*args)])),
        "libsts": best(lambda: libsts.Sts.get_policy([libsts.Scope(*args)])),
    }


POLICY_ARGS = ("name/cos:PutObject", "example-1250000000", "ap-guangzhou", "dir/*")


def policy_loop(package: str, n: int) -> None:
    """``n`` one-scope get_policy calls after one warm-up call (the body that callgrind counts)."""
    if package == "vendor":
        from sts.sts import Scope, Sts
    else:
        from libsts import Scope, Sts  # type: ignore[assignment]
    args = POLICY_ARGS
    Sts.get_policy([Scope(*args)])
    for _ in range(n):
        Sts.get_policy([Scope(*args)])


def instructions(package: str) -> float:
    """Instructions per get_policy call: callgrind's totals at 2,000 and at 0 calls, differenced, so
    start-up and imports cancel out. Robust to load, unlike timings on a shared machine."""

    def total(n: int) -> int:
        env = dict(os.environ, LIBSTS_PATH=LIB, PYTHONHASHSEED="0",
                   PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
        out = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
             "child", "policy-loop", package, str(n), "0"],
            env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        ).stderr
        match = re.search(r"Collected : (\d+)", out)
        if not match:
            raise SystemExit(f"bench.py: no instruction count from valgrind: {out[-500:]}")
        return int(match.group(1))

    return (total(2000) - total(0)) / 2000


KINDS = {"libsts-asyncio": libsts_asyncio, "libsts-threads": libsts_threads, "vendor-threads": vendor_threads}


def child(kind: str, url: str, calls: int, callers: int) -> None:
    if kind == "policy":
        print(json.dumps(policy()))
        return
    if kind == "policy-loop":
        policy_loop(url, calls)
        return
    seconds = KINDS[kind](url, calls, callers)
    print(json.dumps({"calls": calls, "seconds": seconds, "per_second": calls / seconds}))


# --- the orchestrator --------------------------------------------------------------------------


def start_emulator(*args: str) -> "tuple[subprocess.Popen[str], str]":
    proc = subprocess.Popen([str(EMULATOR), "--port", "0", *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    match = re.search(r"listening on (http://127\.0\.0\.1:\d+/)", line)
    if not match:
        raise SystemExit(f"sts-emulator: unexpected first line {line!r}")
    return proc, match.group(1)


def run(kind: str, url: str = "", calls: int = 0, callers: int = 0) -> Dict[str, float]:
    env = dict(os.environ, LIBSTS_PATH=LIB, PYTHONPATH=os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]))
    out = subprocess.run(
        [sys.executable, __file__, "child", kind, url, str(calls), str(callers)], env=env, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    result: Dict[str, float] = json.loads(out.strip().splitlines()[-1])
    return result


def main() -> None:
    for path in (EMULATOR, Path(LIB)):
        if not path.exists():
            raise SystemExit(f"bench.py: {path} is missing: run `cargo build --release` in {ROOT}")
    slow, slow_url = start_emulator("--latency-ms", str(LATENCY_MS))
    fast, fast_url = start_emulator()
    try:
        rows = [
            ("qcloud-python-sts 3.1.6 (requests), 32 threads", "vendor-threads", slow_url, CALLS, CALLERS),
            ("libsts, asyncio, 32 tasks on one loop", "libsts-asyncio", slow_url, CALLS, CALLERS),
            ("libsts, blocking, 32 threads", "libsts-threads", slow_url, CALLS, CALLERS),
        ]
        sequential = [
            ("qcloud-python-sts 3.1.6, no latency, 1 caller", "vendor-threads", fast_url, SEQUENTIAL, 1),
            ("libsts, asyncio, no latency, 1 caller", "libsts-asyncio", fast_url, SEQUENTIAL, 1),
            ("libsts, blocking, no latency, 1 caller", "libsts-threads", fast_url, SEQUENTIAL, 1),
        ]
        results: Dict[str, List[float]] = {}
        for _ in range(ROUNDS):
            for name, kind, url, calls, callers in rows + sequential:
                results.setdefault(name, []).append(run(kind, url, calls, callers)["per_second"])
        policies = [run("policy") for _ in range(3)]
    finally:
        for proc in (slow, fast):
            proc.kill()
            proc.wait()
    ideal = CALLERS / (LATENCY_MS / 1000)
    print(f"\n{CALLERS} callers, emulator latency {LATENCY_MS} ms, {CALLS} calls per round, median of {ROUNDS} rounds")
    print(f"(ideal {CALLERS} / {LATENCY_MS} ms = {ideal:,.0f} calls/s; Python {sys.version.split()[0]})\n")
    print("| calls | calls/s | of the ideal |\n|---|---|---|")
    for name, *_ in rows:
        value = statistics.median(results[name])
        print(f"| {name} | {value:,.0f} | {100 * value / ideal:.0f} % |")
    for name, *_ in sequential:
        print(f"| {name} | {statistics.median(results[name]):,.0f} | |")
    print_policies(policies)


def print_policies(policies: List[Dict[str, float]]) -> None:
    print("\n| get_policy, 1 scope | µs per call (median of 3 processes, best of 7 loops each) |\n|---|---|")
    print(f"| qcloud-python-sts 3.1.6 (plain Python, no validation) | {statistics.median(p['vendor'] for p in policies):.2f} |")
    print(f"| libsts (libsts through ctypes) | {statistics.median(p['libsts'] for p in policies):.2f} |")


def main_policy() -> None:
    if not Path(LIB).exists():
        raise SystemExit(f"bench.py: {LIB} is missing: run `cargo build --release` in {ROOT}")
    print_policies([run("policy") for _ in range(3)])


def main_instructions() -> None:
    if not Path(LIB).exists():
        raise SystemExit(f"bench.py: {LIB} is missing: run `cargo build --release` in {ROOT}")
    print(f"\n| get_policy, 1 scope (Python {sys.version.split()[0]}) | instructions per call (callgrind) |\n|---|---|")
    print(f"| qcloud-python-sts 3.1.6 | {instructions('vendor'):,.0f} |")
    print(f"| libsts | {instructions('libsts'):,.0f} |")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        child(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]))
    elif sys.argv[1:] == ["policy"]:
        main_policy()
    elif sys.argv[1:] == ["instructions"]:
        main_instructions()
    else:
        main()
