"""step-starts-workflow, step-calls-recv-or-sleep, step-decorator-not-applied, step-retries-not-enabled,
step-manual-retry-loop."""


def test_step_that_starts_enqueues_or_calls_a_workflow_is_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSClient

        queue = DBOS.register_queue("jobs")  # expect: queue-registered-before-launch

        @DBOS.workflow()
        def child(x):
            return x

        @DBOS.step()
        def bad(x):
            DBOS.start_workflow(child, x)  # expect: step-starts-workflow
            DBOS.enqueue_workflow("jobs", child, x)  # expect: step-starts-workflow
            queue.enqueue(child, x)  # expect: step-starts-workflow
            return child(x)  # expect: step-starts-workflow

        @DBOS.step()
        def via_client(x):
            client = DBOSClient(system_database_url="sqlite:///x.db")
            try:
                client.enqueue({"workflow_name": "child", "queue_name": "jobs"}, x)  # expect: step-starts-workflow
            finally:
                client.destroy()
    """)
    assert out.found == out.expected


def test_helper_called_from_step_that_starts_workflow_is_flagged(check):
    out = check({
        "jobs.py": """
            from dbos import DBOS

            @DBOS.workflow()
            def child(x):
                return x

            def kick(x):
                return DBOS.start_workflow(child, x)  # expect: step-starts-workflow
        """,
        "app.py": """
            from dbos import DBOS
            from jobs import kick

            @DBOS.step()
            def notify(x):
                kick(x)
        """,
    })
    assert out.found == out.expected


def test_workflow_starting_and_calling_workflows_is_not_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.workflow()
        def child(x):
            return x

        @DBOS.workflow()
        def parent(x):
            handle = DBOS.start_workflow(child, x)
            DBOS.enqueue_workflow("jobs", child, x)
            return child(x), handle.get_result()

        def main():
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            DBOS.register_queue("jobs")
    """)
    assert out.found == out.expected


def test_recv_and_sleep_inside_step_are_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.step()
        def wait_for_payment():
            DBOS.sleep(5)  # expect: step-calls-recv-or-sleep
            return DBOS.recv("payment")  # expect: step-calls-recv-or-sleep

        @DBOS.step()
        async def wait_async():
            return await DBOS.recv_async("payment", timeout_seconds=30)  # expect: step-calls-recv-or-sleep
    """)
    assert out.found == out.expected


def test_recv_sleep_in_workflow_and_send_set_event_write_stream_in_step_are_not_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.step()
        def report(wf_id, value):
            DBOS.send(wf_id, value, topic="result")
            DBOS.set_event("progress", value)
            DBOS.write_stream("log", value)

        @DBOS.workflow()
        def checkout():
            DBOS.sleep(1)
            payment = DBOS.recv("payment", timeout_seconds=60)
            report(DBOS.workflow_id, payment)
    """)
    assert out.found == out.expected


def test_decorator_written_as_statement_is_flagged(check):
    out = check("""
        from dbos import DBOS

        DBOS.step()  # expect: step-decorator-not-applied
        def fetch():
            return 1

        def register(fn):
            DBOS.workflow()(fn)  # expect: step-decorator-not-applied
    """)
    assert out.found == out.expected


def test_a_forgotten_step_decorator_is_reported_once_not_also_as_workflow_io(check):
    out = check("""
        import requests
        from dbos import DBOS

        DBOS.step()  # expect: step-decorator-not-applied
        def post_webhook(url, payload):
            return requests.post(url, json=payload).status_code

        @DBOS.workflow()
        def notify(url):
            return post_webhook(url, {"ok": True})
    """)
    assert out.found == out.expected


def test_decorators_and_run_step_are_not_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.step()
        def fetch():
            return 1

        def plain():
            return 2

        traced = DBOS.step()(plain)

        @DBOS.workflow()
        def wf():
            return fetch(), DBOS.run_step(None, plain), traced()
    """)
    assert out.found == out.expected


def test_retry_options_without_retries_allowed_are_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.step(max_attempts=5, interval_seconds=2)  # expect: step-retries-not-enabled
        def fetch():
            return 1

        @DBOS.step(retries_allowed=False, backoff_rate=3)  # expect: step-retries-not-enabled
        def fetch2():
            return 1

        @DBOS.workflow()
        def wf():
            return DBOS.run_step({"max_attempts": 3}, fetch)  # expect: step-retries-not-enabled
    """)
    assert out.found == out.expected


def test_retry_options_with_retries_allowed_are_not_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=2, backoff_rate=2)
        def fetch():
            return 1

        @DBOS.step(name="plain")
        def plain():
            return 1

        @DBOS.workflow()
        def wf():
            return DBOS.run_step({"retries_allowed": True, "max_attempts": 3}, fetch)
    """)
    assert out.found == out.expected


def test_hand_written_retry_loops_in_steps_and_workflows_are_flagged(check):
    out = check("""
        import time
        import requests
        from dbos import DBOS

        @DBOS.step()
        def fetch(url):
            for attempt in range(5):  # expect: step-manual-retry-loop
                try:
                    return requests.get(url, timeout=5).json()
                except requests.RequestException:
                    time.sleep(2 ** attempt)
            raise RuntimeError("gave up")

        @DBOS.step()
        def fetch_until_ok(url):
            while True:  # expect: step-manual-retry-loop
                try:
                    response = requests.get(url)
                    response.raise_for_status()
                    break
                except Exception:
                    time.sleep(1)
            return response.text

        @DBOS.workflow()
        def wf(url):
            attempts = 0
            while attempts < 3:  # expect: step-manual-retry-loop
                try:
                    return fetch(url)
                except Exception:
                    attempts += 1
                    DBOS.sleep(5)
    """)
    assert out.found == out.expected


def test_loops_that_are_not_retries_are_not_flagged(check):
    out = check("""
        import time
        import requests
        from dbos import DBOS

        @DBOS.step()
        def fetch_all(urls):
            results = []
            for url in urls:
                try:
                    results.append(requests.get(url).text)
                except requests.RequestException:
                    results.append(None)
                time.sleep(0.1)
            return results

        @DBOS.step()
        def drain(items):
            for i in range(len(items)):
                try:
                    items[i] = int(items[i])
                except ValueError:
                    continue
            return items

        def outside(url):
            for attempt in range(3):
                try:
                    return requests.get(url)
                except Exception:
                    time.sleep(1)
    """)
    assert out.found == out.expected
