"""A release ships once all three teams approved, however often they click; a veto aborts; the window runs
out on time even while clicks keep arriving."""

import time

import pytest
from release_cli import Releases


@pytest.fixture(scope="module")
def releases():
    rel = Releases("main")
    rel.start_worker()
    yield rel
    rel.stop_worker()


def test_three_approvals_ship_once_even_when_clicked_twice(releases):
    releases.ok("open", "R-100", "1.4.0")
    releases.ok("signoff", "R-100", "qa", "approve")
    releases.ok("signoff", "R-100", "qa", "approve")
    releases.ok("signoff", "R-100", "security", "approve")
    releases.wait_for_status("R-100", "waiting", ["qa", "security"])
    assert releases.deploys("R-100") == [], "deployed before product approved"
    releases.ok("signoff", "R-100", "product", "approve")
    assert releases.wait_for_announcement("R-100")["outcome"] == "shipped"
    releases.ok("signoff", "R-100", "product", "approve")  # a retried Slack button
    releases.ok("open", "R-100", "1.4.0")                  # CI opens it again
    releases.wait_for_status("R-100", "shipped", ["product", "qa", "security"])
    assert [d["version"] for d in releases.deploys("R-100")] == ["1.4.0"]
    assert [a["outcome"] for a in releases.announcements("R-100")] == ["shipped"]


def test_a_veto_aborts_without_deploying(releases):
    releases.ok("open", "R-200", "2.0.0")
    releases.ok("signoff", "R-200", "qa", "approve")
    releases.ok("signoff", "R-200", "security", "veto")
    assert releases.wait_for_announcement("R-200")["outcome"] == "aborted"
    releases.ok("signoff", "R-200", "qa", "approve")
    releases.ok("signoff", "R-200", "product", "approve")
    status = releases.status("R-200")
    assert status is not None and status["status"] == "aborted", status
    assert releases.deploys("R-200") == []
    assert [a["outcome"] for a in releases.announcements("R-200")] == ["aborted"]


def test_the_window_runs_out_even_while_clicks_keep_coming(releases):
    releases.ok("open", "R-300", "3.0.0", "--window-s", "8")
    opened = time.monotonic()
    clicks = []
    try:
        # QA's button keeps firing every 2 s; each click must not give the release a new 8 s.
        while not releases.announcements("R-300") and time.monotonic() - opened < 50:
            clicks.append(releases.click("signoff", "R-300", "qa", "approve"))
            time.sleep(2)
    finally:
        for click in clicks:
            click.wait(timeout=120)
    assert releases.announcements("R-300"), "the 8 s window never ran out while QA kept clicking"
    assert [a["outcome"] for a in releases.announcements("R-300")] == ["expired"]
    assert releases.deploys("R-300") == []
    releases.wait_for_status("R-300", "expired", ["qa"])
