"""A killed worker loses nothing: approvals given before the crash still count, and the sign-off window keeps
counting from the open, not from the restart."""

import time

from dbos_evalkit import unfinished_workflows, wait_until
from release_cli import Releases

WINDOW_S = 30


def test_a_worker_restart_keeps_approvals_and_the_window():
    rel = Releases("restart")
    rel.start_worker()
    try:
        rel.ok("open", "R-400", "4.0.0")
        rel.ok("signoff", "R-400", "qa", "approve")
        rel.wait_for_status("R-400", "waiting", ["qa"])
        rel.ok("open", "R-401", "4.0.1", "--window-s", str(WINDOW_S))
        # the worker has picked the sign-off up (nothing left ENQUEUED) before it dies
        wait_until(lambda: not [w for w in unfinished_workflows() if w["status"] == "ENQUEUED"], timeout=60,
                   message="the worker to start R-401's sign-off")
        time.sleep(1)
        rel.kill_worker()
        time.sleep(5)  # the outage
        rel.start_worker()
        restarted_at = rel.started_at
        rel.ok("signoff", "R-400", "security", "approve")
        rel.ok("signoff", "R-400", "product", "approve")
        assert rel.wait_for_announcement("R-400")["outcome"] == "shipped"
        assert len(rel.deploys("R-400")) == 1
        expired = rel.wait_for_announcement("R-401", timeout=WINDOW_S + 60)
        assert expired["outcome"] == "expired"
        assert expired["at"] < restarted_at + WINDOW_S - 1, (
            f"R-401 expired {expired['at'] - restarted_at:.1f}s after the restart: the restart gave it a new "
            f"{WINDOW_S}s window")
        rel.wait_for_status("R-400", "shipped", ["product", "qa", "security"])
    finally:
        rel.stop_worker()
    assert [a["outcome"] for a in rel.announcements("R-400")] == ["shipped"]
    assert [a["outcome"] for a in rel.announcements("R-401")] == ["expired"]
    assert rel.deploys("R-401") == []
