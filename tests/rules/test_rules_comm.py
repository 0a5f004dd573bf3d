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
