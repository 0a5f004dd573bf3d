"""comm-outside-workflow, comm-poll-loop."""


def test_recv_in_handler_or_plain_function_is_flagged(check):
    out = check("""
        from fastapi import FastAPI
        from dbos import DBOS

        app = FastAPI()

        @app.get("/wait")
        def wait():
            return DBOS.recv("done")  # expect: comm-outside-workflow

        async def wait_async():
            return await DBOS.recv_async("done")  # expect: comm-outside-workflow
    """)
    assert out.found == out.expected


def test_recv_in_workflow_or_its_helper_and_send_get_event_outside_are_not_flagged(check):
    out = check("""
        from fastapi import FastAPI
        from dbos import DBOS

        app = FastAPI()

        def wait_for_approval():
            return DBOS.recv("approval", timeout_seconds=3600)

        @DBOS.workflow()
        def approval_flow():
            DBOS.set_event("status", "waiting")
            return wait_for_approval()

        @app.post("/approve/{wf_id}")
        def approve(wf_id: str):
            DBOS.send(wf_id, "yes", topic="approval")
            return DBOS.get_event(wf_id, "status")

        @app.get("/stream/{wf_id}")
        def stream(wf_id: str):
            return list(DBOS.read_stream(wf_id, "log"))
    """)
    assert out.found == out.expected


def test_workflow_polling_for_signal_is_flagged(check):
    out = check("""
        import time
        from dbos import DBOS

        APPROVALS = {}

        @DBOS.step()
        def payment_status(order_id):
            return "paid"

        @DBOS.workflow()
        def wait_for_payment(order_id):
            while True:  # expect: comm-poll-loop
                status = payment_status(order_id)
                if status == "paid":
                    return status
                DBOS.sleep(5)

        @DBOS.workflow()
        def wait_for_approval(order_id):
            while order_id not in APPROVALS:  # expect: comm-poll-loop
                time.sleep(1)  # expect: workflow-time-sleep
            return APPROVALS[order_id]

        @DBOS.workflow()
        def wait_for_event(other_id):
            for _ in range(60):  # expect: comm-poll-loop
                if DBOS.get_event(other_id, "ready", timeout_seconds=0):
                    break
                DBOS.sleep(1)
    """)
    assert out.found == out.expected


def test_recv_loops_rate_limits_and_step_polls_are_not_flagged(check):
    out = check("""
        import time
        from dbos import DBOS

        @DBOS.step()
        def send_batch(batch):
            return len(batch)

        @DBOS.step()
        def wait_ready(url):
            while not probe(url):
                time.sleep(1)

        def probe(url):
            return True

        @DBOS.workflow()
        def collect():
            messages = []
            while len(messages) < 3:
                message = DBOS.recv("item", timeout_seconds=60)
                if message is None:
                    break
                messages.append(message)
                DBOS.sleep(1)
            return messages

        @DBOS.workflow()
        def throttled(batches):
            for batch in batches:
                send_batch(batch)
                DBOS.sleep(1)
            remaining = list(batches)
            while len(remaining) > 0:
                send_batch(remaining[:10])
                remaining = remaining[10:]
                DBOS.sleep(1)
    """)
    assert out.found == out.expected


def test_throttled_work_loops_that_exit_on_a_result_are_not_polls(check):
    out = check("""
        from dbos import DBOS

        @DBOS.step()
        def backfill_page(cursor):
            return None

        @DBOS.step()
        def fetch_page(page):
            return []

        @DBOS.step()
        def load(rows):
            return len(rows)

        @DBOS.workflow()
        def backfill():
            cursor = backfill_page(None)
            while cursor is not None:
                cursor = backfill_page(cursor)
                DBOS.sleep(0.5)

        @DBOS.workflow()
        def paginate():
            page = 0
            while True:
                rows = fetch_page(page)
                if not rows:
                    break
                load(rows)
                page += 1
                DBOS.sleep(1)
    """)
    assert out.found == out.expected


def test_polling_through_a_step_state_a_workflow_or_the_app_writes_is_flagged(check):
    out = check({
        "approvals.py": """
            import json
            import sqlite3
            from pathlib import Path

            from dbos import DBOS

            DECISIONS = Path("decisions")
            FLAGS = {}

            @DBOS.step()
            def read_decision(expense_id):
                file = DECISIONS / f"{expense_id}.json"
                return json.loads(file.read_text()) if file.exists() else None

            @DBOS.step()
            def approval_row(expense_id):
                with sqlite3.connect("app.db") as conn:
                    return conn.execute("SELECT status FROM approvals WHERE id = ?", (expense_id,)).fetchone()

            @DBOS.step()
            def export_state(export_id):
                return DBOS.get_workflow_status(export_id)

            @DBOS.step()
            def flag_set(key):
                return FLAGS.get(key)

            @DBOS.workflow()
            def wait_for_file(expense_id):
                decision = None
                while decision is None:  # expect: comm-poll-loop
                    decision = read_decision(expense_id)
                    if decision is None:
                        DBOS.sleep(1)
                return decision

            @DBOS.workflow()
            def wait_for_row(expense_id):
                for _ in range(100):  # expect: comm-poll-loop
                    row = approval_row(expense_id)
                    if row is not None:
                        return row[0]
                    DBOS.sleep(30)

            @DBOS.workflow()
            def wait_for_export(export_id):
                while True:  # expect: comm-poll-loop
                    status = export_state(export_id)
                    if status is not None and status.status == "SUCCESS":
                        return
                    DBOS.sleep(2)

            @DBOS.workflow()
            def wait_for_flag(key):
                while not flag_set(key):  # expect: comm-poll-loop
                    DBOS.sleep(1)

            @DBOS.workflow()
            def raise_flag(key):
                FLAGS[key] = True  # expect: workflow-global-mutation

            def decide(expense_id, decision):
                DECISIONS.mkdir(exist_ok=True)
                (DECISIONS / f"{expense_id}.json").write_text(json.dumps(decision))

            def approve(expense_id):
                with sqlite3.connect("app.db") as conn:
                    conn.execute("UPDATE approvals SET status = 'approved' WHERE id = ?", (expense_id,))
        """,
    })
    assert out.found == out.expected


def test_polling_an_outside_system_through_a_step_between_durable_sleeps_is_not_flagged(check):
    # The shape of an escalation waiting for the paging provider's acknowledgement: the provider's client
    # reads state nothing in the program writes (a test that simulates an acknowledgement does not count).
    out = check({
        "pager.py": """
            import json
            from pathlib import Path

            ACKS = Path("acks.json")
            PAGES = Path("pages.jsonl")

            def page(incident_id, who):
                with PAGES.open("a") as log:
                    log.write(json.dumps({"incident": incident_id, "to": who}) + "\\n")

            def acknowledged_by(incident_id):
                if not ACKS.exists():
                    return None
                return json.loads(ACKS.read_text()).get(incident_id)
        """,
        "escalate.py": """
            import time

            import psycopg
            import requests
            import stripe
            from dbos import DBOS

            import pager

            PARTNER_DB = "postgresql://partner-replica/jobs"

            @DBOS.step()
            def check_ack(incident_id):
                return pager.acknowledged_by(incident_id), time.time()

            @DBOS.step()
            def tracking_status(number):
                return requests.get(f"https://carrier.example/track/{number}", timeout=5).json()["status"]

            @DBOS.step()
            def payment_state(intent_id):
                return stripe.PaymentIntent.retrieve(intent_id).status

            @DBOS.step()
            def partner_job_state(job_id):
                # A table only the partner's system writes: nothing in this program could signal instead.
                with psycopg.connect(PARTNER_DB) as conn:
                    return conn.execute("SELECT state FROM partner_jobs WHERE id = %s", (job_id,)).fetchone()

            @DBOS.workflow()
            def wait_for_ack(incident_id, deadline):
                while True:
                    who, now = check_ack(incident_id)
                    if who is not None or now >= deadline:
                        return who
                    DBOS.sleep(min(1.0, deadline - now))

            @DBOS.workflow()
            def wait_for_delivery(number):
                while tracking_status(number) != "delivered":
                    DBOS.sleep(3600)

            @DBOS.workflow()
            def wait_for_payment(intent_id):
                for _ in range(60):
                    if payment_state(intent_id) == "succeeded":
                        return True
                    DBOS.sleep(60)
                return False

            @DBOS.workflow()
            def wait_for_partner(job_id):
                row = None
                while row is None or row[0] != "done":
                    row = partner_job_state(job_id)
                    DBOS.sleep(10)
        """,
        "tests/test_escalate.py": """
            import json

            import pager

            def test_ack_is_seen():
                pager.ACKS.write_text(json.dumps({"INC-1": "primary"}))
                assert pager.acknowledged_by("INC-1") == "primary"
        """,
    })
    assert out.found == out.expected
