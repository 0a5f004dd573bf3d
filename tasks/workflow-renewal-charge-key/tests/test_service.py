"""`python renew.py serve` owns its schedule: it renews each day's due subscriptions at 06:00 UTC by itself.

A tick is fired the way DBOS would fire a missed one: DBOSClient.backfill_schedule over 05:59-06:01 UTC of a
past day, on whichever schedule the service declared for a daily 06:00 UTC run (its name is not fixed)."""

import os
import signal
from datetime import datetime, timezone

from dbos import DBOSClient
from dbos_evalkit import assert_crashed_at_drill, database_url, read_jsonl, start_program, wait_until
from test_renewals import assert_renewed_exactly_once, subscriptions, write_subscriptions


def fresh_client() -> DBOSClient:
    """A client on a database without schedules: each test's service must declare its own (the previous
    test's service left its schedule behind, as a schedule outlives the process)."""
    client = DBOSClient(system_database_url=database_url())
    for schedule in client.list_schedules():
        client.delete_schedule(schedule["schedule_name"])
    return client


def service(tag: str, subs_file: str, **env: str):
    files = {"GATEWAY_CHARGES": f"charges-{tag}.jsonl", "ACCOUNTS_RENEWALS": f"renewals-{tag}.jsonl",
             "MAILER_OUTBOX": f"outbox-{tag}.jsonl"}
    return start_program("renew.py", "serve", subs_file, env={**files, **env}, executor=f"service-{tag}",
                         log=f"service-{tag}.log")


def stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def is_daily_at_six_utc(schedule) -> bool:
    fields = schedule["schedule"].split()
    if len(fields) == 6:
        if fields[0] != "0":
            return False
        fields = fields[1:]
    return (len(fields) == 5 and fields[0] in ("0", "00") and fields[1] in ("6", "06") and fields[2:] == ["*"] * 3
            and schedule.get("cron_timezone") in (None, "UTC", "Etc/UTC"))


def daily_schedule(client: DBOSClient, proc) -> str:
    def declared():
        assert proc.poll() is None, f"the service exited with {proc.returncode}"
        names = [s["schedule_name"] for s in client.list_schedules() if is_daily_at_six_utc(s)]
        return names[0] if names else None
    return wait_until(declared, timeout=60, interval=0.3, message="the service to declare a daily 06:00 UTC schedule")


def fire_six_am(client: DBOSClient, name: str, day: datetime) -> None:
    start, end = day.replace(hour=5, minute=59), day.replace(hour=6, minute=1)
    assert len(client.backfill_schedule(name, start, end)) == 1


def test_the_service_renews_the_day_by_itself_at_six_utc():
    subs = subscriptions("s", "2024-09-07", count=3) + [
        {"subscription_id": "sub_s9", "customer_id": "cus_s9", "email": "s9@example.com", "plan": "pro",
         "renews_on": "2024-09-08"}]
    client = fresh_client()
    proc = service("s", write_subscriptions("s", subs))
    try:
        name = daily_schedule(client, proc)
        fire_six_am(client, name, datetime(2024, 9, 7, tzinfo=timezone.utc))
        wait_until(lambda: len(read_jsonl("outbox-s.jsonl")) >= 3, timeout=60,
                   message="the 06:00 run to invoice the day's 3 renewals")
        assert proc.poll() is None, "the service keeps running after the day's renewals"
    finally:
        stop(proc)
        client.destroy()
    assert_renewed_exactly_once("s", subs[:3], "2024-09")


def test_a_service_killed_right_after_a_charge_finishes_the_day_after_its_restart():
    subs = subscriptions("k", "2024-09-09", count=4)
    path = write_subscriptions("k", subs)
    client = fresh_client()
    proc = service("k", path, GATEWAY_CRASH_AFTER_CALL="2")
    try:
        name = daily_schedule(client, proc)
        fire_six_am(client, name, datetime(2024, 9, 9, tzinfo=timezone.utc))
        wait_until(lambda: proc.poll() is not None, timeout=60, message="the gateway drill to kill the service")
        assert_crashed_at_drill(proc, "charges-k.jsonl")
        proc = service("k", path)
        wait_until(lambda: len(read_jsonl("outbox-k.jsonl")) >= 4, timeout=60,
                   message="the restarted service to finish the day's 4 renewals")
    finally:
        stop(proc)
        client.destroy()
    assert_renewed_exactly_once("k", subs, "2024-09")
