"""Each payment request is charged at most once per idempotency key: within a file, across re-sent
files, and across a crash; the summary always describes the whole file."""

import json
from collections import Counter

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program


def request(key: str, customer: str, amount: int) -> dict:
    return {"idempotency_key": key, "invoice_id": f"INV-{key[-4:]}", "customer_id": customer,
            "email": f"{customer.removeprefix('cus_')}@example.com", "amount_cents": amount}


def write_requests(name: str, requests: list[dict]) -> str:
    folder = WORKSPACE / "requests-test"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("".join(json.dumps(r) + "\n" for r in requests))
    return f"requests-test/{name}"


def run(path: str, tag: str, **env: str):
    # One executor id per test: a restart recovers only that test's payments, never another test's.
    files = {"PSP_CHARGES": f"charges-{tag}.jsonl", "PSP_ATTEMPTS": f"attempts-{tag}.jsonl",
             "BOOKKEEPING_JOURNAL": f"journal-{tag}.jsonl",
             "MAILER_OUTBOX": f"outbox-{tag}.jsonl", "DBOS__VMID": f"collector-{tag}"}
    return run_program("collect.py", path, env={**files, **env})


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def charges_by_customer(tag: str) -> Counter:
    return Counter(c["customer_id"] for c in read_jsonl(f"charges-{tag}.jsonl"))


def test_a_file_is_collected_once_per_idempotency_key():
    reqs = [request("pr_a0001", "cus_mia", 4900), request("pr_a0002", "cus_expired_noah", 1500),
            request("pr_a0003", "cus_zoe", 12900), request("pr_a0001", "cus_mia", 4900)]
    done = run(write_requests("a.jsonl", reqs), "a")
    assert done.returncode == 0, done.stderr[-2000:]
    assert charges_by_customer("a") == Counter({"cus_mia": 1, "cus_zoe": 1})
    assert len(read_jsonl("journal-a.jsonl")) == 2 and len(read_jsonl("outbox-a.jsonl")) == 2
    summary = summary_of(done.stdout)
    assert summary["file"] == "a.jsonl"
    statuses = [(r["idempotency_key"], r["status"]) for r in summary["results"]]
    assert statuses == [("pr_a0001", "captured"), ("pr_a0002", "declined"), ("pr_a0003", "captured"),
                        ("pr_a0001", "captured")]
    assert summary["results"][0]["charge_id"] == summary["results"][3]["charge_id"]
    assert (summary["captured"], summary["captured_cents"], summary["declined"]) == (2, 4900 + 12900, 1)


def test_resent_files_and_repeated_keys_charge_nobody_again():
    first_file = write_requests("b1.jsonl", [request("pr_b0001", "cus_ivy", 2500), request("pr_b0002", "cus_leo", 7000)])
    first = run(first_file, "b")
    assert first.returncode == 0, first.stderr[-2000:]
    resent = run(first_file, "b")  # the billing system did not get our ack and sent the file again
    assert resent.returncode == 0, resent.stderr[-2000:]
    assert summary_of(resent.stdout) == summary_of(first.stdout)
    assert charges_by_customer("b") == Counter({"cus_ivy": 1, "cus_leo": 1})

    later = run(write_requests("b2.jsonl", [request("pr_b0002", "cus_leo", 7000), request("pr_b0003", "cus_eva", 990)]), "b")
    assert later.returncode == 0, later.stderr[-2000:]
    assert charges_by_customer("b") == Counter({"cus_ivy": 1, "cus_leo": 1, "cus_eva": 1})
    summary = summary_of(later.stdout)
    assert (summary["captured"], summary["captured_cents"], summary["declined"]) == (2, 7000 + 990, 0)
    leo_charge = next(c["charge_id"] for c in read_jsonl("charges-b.jsonl") if c["customer_id"] == "cus_leo")
    assert summary["results"][0]["charge_id"] == leo_charge


def test_crashed_run_resent_charges_once_and_reports_the_whole_file():
    reqs = [request("pr_c0001", "cus_ana", 1000), request("pr_c0002", "cus_ben", 2000),
            request("pr_c0003", "cus_cat", 3000), request("pr_c0004", "cus_dan", 4000)]
    path = write_requests("c.jsonl", reqs)
    crashed = run(path, "c", BOOKKEEPING_CRASH_ON_CALL="3")
    assert_crashed_at_drill(crashed, "charges-c.jsonl", "journal-c.jsonl")
    # the drill kills the run before its 3rd journal entry; requests may have been processed in any order or
    # concurrently, so only what the prompt fixes is checked: nothing booked twice, nothing booked uncharged
    booked = [j["invoice_id"] for j in read_jsonl("journal-c.jsonl")]
    charged = {c["customer_id"] for c in read_jsonl("charges-c.jsonl")}
    assert len(booked) <= 2 and len(set(booked)) == len(booked)
    assert all(r["customer_id"] in charged for r in reqs if r["invoice_id"] in booked), "booked before charging"
    resent = run(path, "c")
    assert resent.returncode == 0, resent.stderr[-2000:]
    assert charges_by_customer("c") == Counter({"cus_ana": 1, "cus_ben": 1, "cus_cat": 1, "cus_dan": 1})
    assert sorted(j["invoice_id"] for j in read_jsonl("journal-c.jsonl")) == sorted(r["invoice_id"] for r in reqs)
    assert sorted(m["to"] for m in read_jsonl("outbox-c.jsonl")) == sorted(r["email"] for r in reqs)
    summary = summary_of(resent.stdout)
    assert (summary["captured"], summary["captured_cents"], summary["declined"]) == (4, 10000, 0)


def test_psp_outages_are_retried_and_declines_are_not():
    # psp.py answers 503 to the first two calls for a "flaky" customer, then charges
    reqs = [request("pr_d0001", "cus_flaky_olga", 3100), request("pr_d0002", "cus_expired_piet", 1200),
            request("pr_d0003", "cus_flaky_quinn", 800), request("pr_d0004", "cus_ruth", 2200)]
    done = run(write_requests("d.jsonl", reqs), "d")
    assert done.returncode == 0, done.stderr[-2000:]
    assert charges_by_customer("d") == Counter({"cus_flaky_olga": 1, "cus_flaky_quinn": 1, "cus_ruth": 1})
    attempts = read_jsonl("attempts-d.jsonl")
    declined = [a for a in attempts if a["customer_id"] == "cus_expired_piet"]
    assert len(declined) == 1, f"a declined card was tried {len(declined)} times"
    for customer in ("cus_flaky_olga", "cus_flaky_quinn"):
        tries = sorted(a["at"] for a in attempts if a["customer_id"] == customer)
        assert len(tries) <= 4, f"{customer}: {len(tries)} attempts (at most 4)"
        gaps = [later - earlier for earlier, later in zip(tries, tries[1:], strict=False)]
        assert all(gap >= 0.1 for gap in gaps), f"{customer}: attempts {gaps} s apart (the first wait is 0.1 s)"
    summary = summary_of(done.stdout)
    statuses = [(r["idempotency_key"], r["status"]) for r in summary["results"]]
    assert statuses == [("pr_d0001", "captured"), ("pr_d0002", "declined"), ("pr_d0003", "captured"),
                        ("pr_d0004", "captured")]
    assert (summary["captured"], summary["captured_cents"], summary["declined"]) == (3, 3100 + 800 + 2200, 1)
    assert sorted(j["invoice_id"] for j in read_jsonl("journal-d.jsonl")) == ["INV-0001", "INV-0003", "INV-0004"]
