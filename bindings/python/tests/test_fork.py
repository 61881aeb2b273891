"""Fork safety from Python (issue 10 item 3): os.fork() and multiprocessing's fork start method.

A pre-fork server (gunicorn --preload, multiprocessing) calls libsts, then forks, and parent and
child call at the same time. Each must get its own answer: the emulator's expiredTime is its
clock plus the duration asked for, so an answer read off a socket shared with the other process
shows up as the wrong expiry. A child that hangs is killed by an alarm, failing the test.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import time
from typing import Any, Dict, List, Optional

from libsts import Sts

ROUNDS = 20
CHILD_ALARM_S = 20


def call(config: Dict[str, Any], duration: int) -> Dict[str, Any]:
    return Sts(dict(config, duration_seconds=duration, retries=0)).get_credential()


def assert_own_answer(result: Dict[str, Any], duration: int, who: str) -> None:
    expires_in = result["expiredTime"] - int(time.time())
    assert duration - 10 <= expires_in <= duration, (
        f"{who} asked for {duration}s and got an answer expiring in {expires_in}s: someone else's answer"
    )
    assert result["credentials"]["tmpSecretId"].startswith("AKID"), who


def child_call(config: Dict[str, Any], duration: int) -> Dict[str, Any]:
    """Runs in a multiprocessing child."""
    signal.alarm(CHILD_ALARM_S)
    return call(config, duration)


def test_os_fork_parent_and_child_each_get_their_own_answer(base_config: Dict[str, Any]) -> None:
    assert_own_answer(call(base_config, 900), 900, "the parent before any fork")
    for round_ in range(1, ROUNDS + 1):
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: the libsts call, one report, os._exit (never back into pytest)
            status = 1
            try:
                signal.alarm(CHILD_ALARM_S)
                os.close(read_fd)
                os.write(write_fd, json.dumps(call(base_config, 1800 + round_)).encode())
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        parent = call(base_config, 900 + round_)  # at the same time as the child
        with os.fdopen(read_fd, "rb") as pipe:
            report = pipe.read()
        _, status = os.waitpid(pid, 0)
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (
            f"round {round_}: child ended with wait status {status:#x} "
            f"(signal {os.WTERMSIG(status) if os.WIFSIGNALED(status) else None}), report {report!r}"
        )
        child = json.loads(report)
        assert_own_answer(parent, 900 + round_, f"round {round_}: the parent")
        assert_own_answer(child, 1800 + round_, f"round {round_}: the child")
        assert parent["requestId"] != child["requestId"]
        assert parent["credentials"]["tmpSecretId"] != child["credentials"]["tmpSecretId"]


def test_multiprocessing_fork_pool_workers_and_parent_each_get_their_own_answers(
    base_config: Dict[str, Any],
) -> None:
    assert_own_answer(call(base_config, 900), 900, "the parent before the pool forks")
    context = multiprocessing.get_context("fork")
    durations = [1800 + i for i in range(ROUNDS)]
    with context.Pool(processes=4) as pool:
        pending = pool.starmap_async(child_call, [(base_config, d) for d in durations])
        parent_answers: List[Dict[str, Any]] = []
        answers: Optional[List[Dict[str, Any]]] = None
        # The parent keeps calling on its own pooled connection while the workers call.
        for i in range(ROUNDS):
            parent_answers.append(call(base_config, 900 + i))
        answers = pending.get(timeout=CHILD_ALARM_S)
    for i, answer in enumerate(parent_answers):
        assert_own_answer(answer, 900 + i, f"the parent's call {i}")
    for duration, answer in zip(durations, answers):
        assert_own_answer(answer, duration, f"the worker's call for {duration}s")
    request_ids = [a["requestId"] for a in parent_answers + answers]
    assert len(set(request_ids)) == len(request_ids), "every call got an answer of its own"
