"""Every participant gets exactly one email, and the emails, the published draw and the printed pairs are the
same valid draw — also when the run was killed in the middle of the send-out and run again."""

import json
from collections import Counter

from dbos_evalkit import WORKSPACE, read_jsonl, run_program

NAMES = ["Ada", "Bo", "Cy", "Di", "Ed", "Fu", "Gi", "Hal", "Ivo", "Jo"]


def write_exchange(exchange_id: str, names: list[str]) -> str:
    name = f"exchange-{exchange_id}.json"
    participants = [{"name": n, "email": f"{n.lower()}.{exchange_id}@example.com"} for n in names]
    (WORKSPACE / name).write_text(json.dumps({"exchange_id": exchange_id, "budget": "20 EUR",
                                              "participants": participants}))
    return name


def run(path: str, tag: str, **env: str):
    files = {"MAILER_OUTBOX": f"outbox-{tag}.jsonl", "REGISTRY_DRAWS": f"draws-{tag}.jsonl",
             "DBOS__VMID": f"exchange-{tag}"}  # one executor per test: a rerun recovers only its own work
    return run_program("exchange.py", path, env={**files, **env}, timeout=60)


def printed_pairs(stdout: str) -> dict:
    out = json.loads(stdout.strip().splitlines()[-1])
    return out["pairs"]


def assert_one_consistent_draw(tag: str, exchange_id: str, names: list[str], printed: dict) -> None:
    emails = read_jsonl(f"outbox-{tag}.jsonl")
    per_person = Counter(e["giver"] for e in emails)
    assert per_person == Counter(names), f"emails per participant: {dict(per_person)}"
    assert all(e["to"] == f"{e['giver'].lower()}.{exchange_id}@example.com" for e in emails)
    emailed = {e["giver"]: e["receiver"] for e in emails}
    assert sorted(emailed.values()) == sorted(names), f"someone receives twice, someone never: {emailed}"
    assert all(giver != receiver for giver, receiver in emailed.items()), f"someone drew themselves: {emailed}"
    published = read_jsonl(f"draws-{tag}.jsonl")
    assert len(published) == 1, f"the draw is published once, not {len(published)} times"
    assert published[0]["exchange_id"] == exchange_id
    assert published[0]["pairs"] == emailed, "the admin page shows another draw than the emails"
    assert printed == emailed, "the printed pairs are another draw than the emails"


def test_an_exchange_emails_everyone_once_and_a_rerun_sends_nothing():
    names = NAMES[:6]
    path = write_exchange("party-a", names)
    first = run(path, "a")
    assert first.returncode == 0, first.stderr[-2000:]
    assert_one_consistent_draw("a", "party-a", names, printed_pairs(first.stdout))
    again = run(path, "a")
    assert again.returncode == 0, again.stderr[-2000:]
    assert printed_pairs(again.stdout) == printed_pairs(first.stdout)
    assert_one_consistent_draw("a", "party-a", names, printed_pairs(again.stdout))


def test_a_run_killed_mid_send_out_is_finished_with_the_same_draw():
    path = write_exchange("party-b", NAMES)
    crashed = run(path, "b", MAILER_CRASH_ON_CALL="6")
    assert crashed.returncode == -9, f"the mailer drill should have killed the run: {crashed.stderr[-2000:]}"
    sent_before = read_jsonl("outbox-b.jsonl")
    assert 1 <= len(sent_before) < len(NAMES), "the killed run emailed some participants, not all"

    resumed = run(path, "b")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_one_consistent_draw("b", "party-b", NAMES, printed_pairs(resumed.stdout))
    for early in sent_before:  # what people were told before the crash still holds
        assert printed_pairs(resumed.stdout)[early["giver"]] == early["receiver"]


def test_two_exchanges_with_the_same_people_are_drawn_independently():
    names = NAMES[:8]
    draws = []
    for exchange_id in ("party-c1", "party-c2", "party-c3"):
        done = run(write_exchange(exchange_id, names), exchange_id)
        assert done.returncode == 0, done.stderr[-2000:]
        assert_one_consistent_draw(exchange_id, exchange_id, names, printed_pairs(done.stdout))
        draws.append(printed_pairs(done.stdout))
    assert len({json.dumps(d, sort_keys=True) for d in draws}) > 1, "three exchanges drew the same pairs"
