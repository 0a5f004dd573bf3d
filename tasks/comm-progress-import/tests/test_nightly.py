"""The nightly re-import is a DBOS schedule of the service (02:30 UTC) that ops can trigger by hand; a run
imports every feed in feeds/ as `nightly-<UTC date>-<name>`, visible on the dashboard.

The schedule is found by what the prompt fixes (its cron, evaluated in its time zone), never by its name.
A real 02:30 UTC tick during a grading run would add a second import of every feed; the tests do not guard
against that (a window of seconds a day). A service that cannot start twice against one database (a schedule
created anew on every start) fails test_restart and the durability check, which start it again."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from dbos import DBOSClient

from catalog_server import CatalogServer, write_feed
from dbos_evalkit import WORKSPACE, database_url, read_jsonl, sql, wait_until

CALLS = "storefront-nightly.jsonl"
NIGHTS = [[datetime(2024, month, day, 2, 30, tzinfo=UTC) for day in range(1, 8)] for month in (1, 7)]


def fires_nightly_at_0230_utc(cron: str, tz: str | None) -> bool:
    """Fires at 02:30 UTC on seven nights in a row, in winter and in summer (a local-time cron may not)."""
    zone = ZoneInfo(tz) if tz else UTC
    try:
        for nights in NIGHTS:
            start = (nights[0] - timedelta(hours=12)).astimezone(zone)
            it = croniter(cron, start, second_at_beginning=True)
            if [it.get_next(datetime).astimezone(UTC) for _ in nights] != nights:
                return False
    except (ValueError, KeyError):
        return False
    return True


def schedules() -> list[dict]:
    rows = sql("SELECT schedule_name, schedule, cron_timezone, status, application_name FROM dbos.workflow_schedules")
    keys = ("schedule_name", "schedule", "cron_timezone", "status", "application_name")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def nightly_schedules() -> list[dict]:
    return [s for s in schedules() if s["status"] == "ACTIVE" and fires_nightly_at_0230_utc(s["schedule"], s["cron_timezone"])]


def test_nightly_reimport_is_a_schedule_that_imports_every_feed_when_triggered():
    write_feed("umbrella", 60)
    server = CatalogServer("api-nightly", STOREFRONT_CALL_LOG=CALLS, DBOS__VMID="nightly-pod").start()
    try:
        try:
            found = wait_until(nightly_schedules, timeout=20, message="a DBOS schedule firing every night at 02:30 UTC")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; schedules in the system database: {schedules()}") from None
        assert len(found) == 1, f"more than one nightly schedule: {found}"
        feeds = {path.stem: len(json.loads(path.read_text())["products"])
                 for path in (WORKSPACE / "feeds").glob("*.json")}
        nights = {datetime.now(UTC).date().isoformat()}
        client = DBOSClient(system_database_url=database_url(), application_name=found[0]["application_name"])
        try:
            client.trigger_schedule(found[0]["schedule_name"])  # what ops do by hand
        finally:
            client.destroy()
        nights.add(datetime.now(UTC).date().isoformat())

        def nightly_progress(name: str) -> dict | None:
            seen = [p for night in nights if (p := server.progress(f"nightly-{night}-{name}"))]
            return seen[0] if seen else None

        def all_done() -> bool:
            return all((nightly_progress(name) or {}).get("state") == "done" for name in feeds)

        try:
            wait_until(all_done, timeout=60, interval=0.2, message="the triggered nightly run to import every feed")
        except AssertionError as exc:
            progress = {name: nightly_progress(name) for name in feeds}
            raise AssertionError(f"{exc}; nightly imports seen on the dashboard: {progress}") from None
        for name, count in feeds.items():
            progress = nightly_progress(name)
            assert (progress["processed"], progress["total"]) == (count, count), f"{name}: {progress}"
    finally:
        server.stop()
    calls = read_jsonl(CALLS)
    skus = sorted(sku for call in calls for sku in call["skus"] if sku.startswith("UMBRELLA-"))
    assert skus == [f"UMBRELLA-{n:04d}" for n in range(1, 61)], "a feed's product was sent twice or skipped"
    assert sorted(len(call["skus"]) for call in calls if call["skus"][0].startswith("UMBRELLA-")) == [10, 25, 25]

