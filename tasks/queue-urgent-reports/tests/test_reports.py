"""The service, fed through its inbox; the renderer's log says what ran when."""

import json
import os
import signal
import time
from collections import Counter

from dbos_evalkit import WORKSPACE, read_jsonl, sql, start_program, wait_until

# A wait that includes the service's start (import dbos, launch, the first inbox scan): 3-4 s on an idle
# machine, up to a minute at load ~20 on 2 cores. Polled, so a correct service never waits for it; once
# validate has recorded the test's time, the helpers cut it to a multiple of what a correct solution needed.
STARTUP_S = 90


class Service:
    def __init__(self, tag: str, **env: str):
        self.tag = tag
        self.inbox = WORKSPACE / f"inbox-{tag}"
        self.inbox.mkdir(exist_ok=True)
        self.env = {"REPORTS_INBOX": str(self.inbox), "RENDER_LOG": f"renders-{tag}.jsonl", **env}
        self.proc = None

    def start(self) -> "Service":
        self.proc = start_program("report_service.py", env=self.env, log=f"service-{self.tag}.log",
                                  executor=f"renderbox-{self.tag}")
        return self

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self.proc is not None:
            self.proc.wait(timeout=10)

    def drop(self, report_id: str, urgent: bool = False) -> None:
        tmp = self.inbox / f".{report_id}.tmp"
        tmp.write_text(json.dumps({"report_id": report_id, "pages": 3, "urgent": urgent}))
        tmp.rename(self.inbox / f"{report_id}.json")

    def settle(self, timeout: float = 15) -> None:
        """Before the kill that ends a test, let the service record the jobs it has finished. The renderer
        logs "rendered" before the job's step and workflow are checkpointed; a job killed in between stays
        PENDING under this service's executor id, which no later service recovers, and on a queue that runs
        one job at a time across processes it holds the only slot for good: the next test's service would
        never get a job. Best effort (a design with a workflow that runs forever is killed at the deadline)."""
        deadline = time.time() + timeout
        while time.time() < deadline and self.proc.poll() is None and unfinished_queued_jobs():
            time.sleep(0.2)

    def events(self) -> list[dict]:
        return read_jsonl(f"renders-{self.tag}.jsonl")

    def first(self, report_id: str, event: str) -> dict | None:
        return next((e for e in self.events() if e["report_id"] == report_id and e["event"] == event), None)

    def wait_for(self, report_id: str, event: str, timeout: float = STARTUP_S) -> dict:
        found = wait_until(lambda: self.first(report_id, event) or self.proc.poll() is not None,
                           timeout=timeout, message=f"{report_id} {event}")
        assert isinstance(found, dict), f"the service exited ({self.proc.returncode}):\n{self.output()}"
        return found

    def output(self) -> str:
        log = WORKSPACE / f"service-{self.tag}.log"
        return log.read_text(errors="replace")[-3000:] if log.exists() else ""

    def assert_rendered_once_one_at_a_time(self, report_ids: list[str]) -> None:
        events = self.events()
        rendered = Counter(e["report_id"] for e in events if e["event"] == "rendered")
        assert rendered == Counter(report_ids), f"rendered (report: times): {dict(rendered)}"
        running = 0
        for event in sorted(events, key=lambda e: e["at"]):
            running += 1 if event["event"] == "start" else -1
            assert running <= 1, "the renderer was given two jobs at once"


def unfinished_queued_jobs() -> int:
    rows = sql("SELECT count(*) FROM dbos.workflow_status WHERE status IN ('PENDING', 'ENQUEUED') "
               "AND queue_name IS NOT NULL AND left(queue_name, 5) <> '_dbos'")
    return int(rows[0][0]) if rows else 0


def refusal_recorded(start: dict, busy: dict) -> bool:
    """DBOS has checkpointed the step that got the renderer's refusal: a step output row of a step that was
    already running when the renderer started the job and had ended by the time it refused it (whatever
    the step is called and however it records the refusal, as a return value or an error)."""
    rows = sql("SELECT count(*) FROM dbos.operation_outputs WHERE started_at_epoch_ms <= %s "
               "AND completed_at_epoch_ms >= %s", (int(start["at"] * 1000), int(busy["at"] * 1000)))
    return bool(rows and rows[0][0])


def test_an_urgent_request_overtakes_the_waiting_bulk_requests():
    service = Service("priority").start()
    bulk = [f"bulk-{n}" for n in range(1, 9)]
    try:
        for report_id in bulk:
            service.drop(report_id)
        wait_until(
            lambda: any(e["event"] == "start" for e in service.events()) or service.proc.poll() is not None,
            timeout=STARTUP_S, message="the first bulk render")
        assert service.proc.poll() is None, f"the service exited:\n{service.output()}"
        dropped_at = max(e["at"] for e in service.events())
        service.drop("urgent-1", urgent=True)
        urgent = service.wait_for("urgent-1", "start", timeout=60)
        wait_until(lambda: all(service.first(r, "rendered") for r in bulk) or service.proc.poll() is not None,
                   timeout=50, message="every bulk report rendered")
        service.settle()
    finally:
        service.kill()
    started_between = {e["report_id"] for e in service.events()
                       if e["event"] == "start" and dropped_at <= e["at"] < urgent["at"]}
    assert len(started_between) <= 3, (
        f"{len(started_between)} waiting bulk reports were rendered before the urgent one: {sorted(started_between)}")
    service.assert_rendered_once_one_at_a_time(bulk + ["urgent-1"])


def test_a_refused_job_is_retried_later_while_the_others_render():
    retry_after = 3.0
    service = Service("busy", RENDERER_BUSY_FIRST="refused-1", RENDERER_RETRY_AFTER_S=str(retry_after)).start()
    others = ["other-1", "other-2", "other-3"]
    try:
        service.drop("refused-1")
        service.wait_for("refused-1", "start")
        for report_id in others:
            service.drop(report_id)
        busy = service.wait_for("refused-1", "busy", timeout=60)
        done = service.wait_for("refused-1", "rendered", timeout=40)
        wait_until(lambda: all(service.first(r, "rendered") for r in others) or service.proc.poll() is not None,
                   timeout=30, message="the other reports rendered")
        service.settle()
    finally:
        service.kill()
    retry = max(e["at"] for e in service.events() if e["report_id"] == "refused-1" and e["event"] == "start")
    assert retry >= busy["at"] + retry_after - 0.2, (
        f"the refused job was retried {retry - busy['at']:.1f}s after the refusal, before its {retry_after}s")
    during_wait = [e for e in service.events()
                   if e["event"] == "start" and e["report_id"] in others and busy["at"] < e["at"] < retry]
    assert during_wait, "the renderer sat idle while the refused job waited for its retry"
    assert done["at"] > retry
    service.assert_rendered_once_one_at_a_time(["refused-1", *others])


def test_a_retry_pending_at_a_restart_still_happens():
    # Long enough that a service which lost the pending retry, restarted after a kill as late as
    # `kill_by` seconds after the refusal, renders the job again well before the retry is due.
    retry_after, kill_by = 20.0, 7.0
    env = {"RENDERER_BUSY_FIRST": "pending-1", "RENDERER_RETRY_AFTER_S": str(retry_after)}
    before = Service("restart", **env).start()
    try:
        before.drop("pending-1")
        refused = before.wait_for("pending-1", "start")
        busy = before.wait_for("pending-1", "busy", timeout=60)
        # The renderer logs "busy" before the refusal reaches the service: the kill must hit a retry that
        # is pending, not a job whose refusal DBOS never recorded (a restart would then rightly render it
        # at once). Kill as soon as the refusal is checkpointed, and at the latest well before the retry
        # is due. Not wait_until: this deadline is the retry's schedule, and running out is no failure.
        latest = busy["at"] + kill_by
        while not refusal_recorded(refused, busy) and time.time() < latest and before.proc.poll() is None:
            time.sleep(0.1)
    finally:
        before.kill()
    after = Service("restart", **env).start()
    try:
        after.wait_for("pending-1", "rendered", timeout=STARTUP_S + retry_after)
        after.settle()
    finally:
        after.kill()
    retry = max(e["at"] for e in after.events() if e["report_id"] == "pending-1" and e["event"] == "start")
    assert retry >= busy["at"] + retry_after - 0.2, "the retry ran before its time"
    after.assert_rendered_once_one_at_a_time(["pending-1"])
