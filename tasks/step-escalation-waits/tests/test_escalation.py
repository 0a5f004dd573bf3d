"""Escalations run as `python escalate.py <incident>`, with short waits, crashed and restarted (also into a
new release of escalate.py, as the prompt's deploys do)."""

import json
import os
import signal
import time

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, start_program, wait_until

CHAIN = ["primary-oncall", "secondary-oncall", "engineering-manager"]


def start(incident: str, escalate_after_s: float):
    env = {"ESCALATE_AFTER_S": str(escalate_after_s), "PAGER_LOG": f"pages-{incident}.jsonl",
           "PAGER_ACKS": f"acks-{incident}.json"}
    return start_program("escalate.py", incident, env=env, log=f"out-{incident}.log", executor=f"box-{incident}")


def pages(incident: str) -> list[dict]:
    return read_jsonl(f"pages-{incident}.jsonl")


def page_to(incident: str, who: str) -> dict | None:
    return next((p for p in pages(incident) if p["to"] == who), None)


def acknowledge(incident: str, who: str) -> None:
    (WORKSPACE / f"acks-{incident}.json").write_text(json.dumps({incident: who}))


def output(incident: str) -> str:
    log = WORKSPACE / f"out-{incident}.log"
    return log.read_text(errors="replace") if log.exists() else ""


def kill(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def finish(proc, incident: str, timeout: float = 30) -> dict:
    try:
        proc.wait(timeout=timeout)
    except Exception:
        kill(proc)
        raise AssertionError(f"the escalation did not finish within {timeout}s:\n{output(incident)[-3000:]}")
    assert proc.returncode == 0, f"escalate.py exited {proc.returncode}:\n{output(incident)[-3000:]}"
    return last_json(output(incident))


def last_json(text: str) -> dict:
    for line in reversed(text.strip().splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise AssertionError(f"no JSON summary in the output:\n{text[-3000:]}")


def wait_for_page(proc, incident: str, who: str, timeout: float = 30) -> dict:
    found = wait_until(lambda: page_to(incident, who) or proc.poll() is not None, timeout=timeout,
                       message=f"the page to {who}")
    assert isinstance(found, dict), f"escalate.py exited {proc.returncode} before paging {who}:\n{output(incident)[-3000:]}"
    return found


def assert_paged_once(incident: str, expected: list[str]) -> None:
    paged = [p["to"] for p in pages(incident)]
    assert sorted(paged) == sorted(expected), f"paged {paged}, expected each of {expected} once"


def test_nobody_acknowledges_the_whole_chain_is_paged_in_turn():
    incident, wait = "INC-100", 1.5
    proc = start(incident, wait)
    summary = finish(proc, incident)
    assert_paged_once(incident, CHAIN)
    at = {p["to"]: p["at"] for p in pages(incident)}
    for earlier, later in zip(CHAIN, CHAIN[1:], strict=False):
        assert at[later] - at[earlier] >= wait - 0.2, f"{later} was paged before {earlier}'s wait was over"
    assert summary == {"incident": incident, "paged": CHAIN, "acknowledged_by": None}


def test_an_acknowledgement_stops_the_escalation():
    incident = "INC-200"
    proc = start(incident, 3)
    wait_for_page(proc, incident, CHAIN[0])
    acknowledge(incident, CHAIN[0])
    summary = finish(proc, incident)
    assert_paged_once(incident, CHAIN[:1])
    assert summary == {"incident": incident, "paged": CHAIN[:1], "acknowledged_by": CHAIN[0]}


def test_a_restart_during_a_wait_pages_the_next_person_when_due_not_a_full_wait_later():
    incident, wait = "INC-300", 8.0
    first = start(incident, wait)
    primary = wait_for_page(first, incident, CHAIN[0])
    wait_until(lambda: time.time() > primary["at"] + 2.0 or first.poll() is not None, timeout=10,
               message="two seconds into the wait")
    kill(first)
    assert_crashed_at_drill(first, f"pages-{incident}.jsonl")
    restarted_at = time.time()
    second = start(incident, wait)
    try:
        secondary = wait_for_page(second, incident, CHAIN[1], timeout=25)
    finally:
        kill(second)  # the rest of the chain is covered by the other tests
    assert secondary["at"] >= primary["at"] + wait - 0.2, "the secondary was paged before the wait was over"
    assert secondary["at"] < restarted_at + wait - 0.5, (
        f"the secondary was paged {secondary['at'] - restarted_at:.1f}s after the restart, "
        f"{secondary['at'] - primary['at']:.1f}s after the primary: the wait started over after the restart")
    assert_paged_once(incident, CHAIN[:2])


def test_an_acknowledgement_made_while_down_is_reported_truthfully():
    incident, wait = "INC-400", 2.0
    first = start(incident, wait)
    secondary = wait_for_page(first, incident, CHAIN[1])
    wait_until(lambda: time.time() > secondary["at"] + 0.5 or first.poll() is not None, timeout=10,
               message="half a second into the second wait")
    kill(first)
    assert_crashed_at_drill(first, f"pages-{incident}.jsonl")
    acknowledge(incident, CHAIN[1])
    second = start(incident, wait)
    summary = finish(second, incident)
    assert_paged_once(incident, CHAIN[:2])
    assert summary == {"incident": incident, "paged": CHAIN[:2], "acknowledged_by": CHAIN[1]}
    again = start(incident, wait)
    assert finish(again, incident) == summary, "re-running a finished escalation printed a different summary"
    assert_paged_once(incident, CHAIN[:2])


# What a deploy ships: a new feature in escalate.py, here one more workflow (the prompt says deploys change
# escalate.py while escalations are in flight). It goes before the `__main__` block so it is registered
# like the rest.
RELEASE = """
# --- release 2024.12: status-page updates (shipped by the deploy) ---
import dbos as _release_dbos  # noqa: E402


@_release_dbos.DBOS.workflow(name="release_2024_12_status_page_update")
def release_2024_12_status_page_update(incident_id: str) -> str:
    return f"status page updated for {incident_id}"


"""


def deploy_new_release() -> str:
    """Edit escalate.py as a deploy would; returns the old source, to put back afterwards."""
    module = WORKSPACE / "escalate.py"
    old = module.read_text()
    lines = old.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.startswith("if __name__")), len(lines))
    module.write_text("".join(lines[:at]) + RELEASE + "".join(lines[at:]))
    return old


def test_a_deploy_during_a_wait_carries_the_escalation_on_in_the_new_release():
    incident, wait = "INC-500", 5.0
    first = start(incident, wait)
    primary = wait_for_page(first, incident, CHAIN[0])
    wait_until(lambda: time.time() > primary["at"] + 1.5 or first.poll() is not None, timeout=10,
               message="1.5 seconds into the wait")
    kill(first)
    assert_crashed_at_drill(first, f"pages-{incident}.jsonl")
    old_source = deploy_new_release()
    second = None
    try:
        second = start(incident, wait)
        try:
            secondary = wait_for_page(second, incident, CHAIN[1], timeout=20)
        except AssertionError as exc:
            raise AssertionError("after a deploy that changed escalate.py the escalation in flight did not go on "
                                 f"(nobody else was paged): {exc}") from None
        acknowledge(incident, CHAIN[1])
        summary = finish(second, incident)
    finally:
        if second is not None:
            kill(second)
        (WORKSPACE / "escalate.py").write_text(old_source)
    assert secondary["at"] >= primary["at"] + wait - 0.2, "the secondary was paged before the wait was over"
    assert_paged_once(incident, CHAIN[:2])
    assert summary == {"incident": incident, "paged": CHAIN[:2], "acknowledged_by": CHAIN[1]}
