"""workflow-nondeterminism, workflow-time-sleep, workflow-thread-start, workflow-global-mutation."""


def test_random_clock_and_uuid_in_workflow_body_are_flagged(check):
    out = check("""
        import random, time, uuid
        from datetime import datetime
        from dbos import DBOS

        @DBOS.workflow()
        def wf():
            a = random.randint(1, 6)  # expect: workflow-nondeterminism
            b = time.time()  # expect: workflow-nondeterminism
            c = uuid.uuid4().hex  # expect: workflow-nondeterminism
            d = datetime.now()  # expect: workflow-nondeterminism
            return a, b, c, d
    """)
    assert out.found == out.expected


def test_network_file_and_database_io_in_workflow_are_flagged(check):
    out = check("""
        import sqlite3
        from pathlib import Path
        import httpx
        import requests as rq
        from dbos import DBOS

        client = httpx.Client()

        @DBOS.workflow()
        async def wf(url):
            body = rq.get(url).text  # expect: workflow-nondeterminism
            data = client.post(url, json={})  # expect: workflow-nondeterminism
            with open("out.txt", "w") as f:  # expect: workflow-nondeterminism
                f.write(body)
            text = Path("in.txt").read_text()  # expect: workflow-nondeterminism
            conn = sqlite3.connect("app.db")  # expect: workflow-nondeterminism
            conn.execute("insert into t values (1)")  # expect: workflow-nondeterminism
            return text
    """)
    assert out.found == out.expected


def test_process_io_and_implicit_clock_reads_in_workflow_are_flagged(check):
    out = check("""
        import subprocess
        import time
        from dbos import DBOS

        @DBOS.workflow()
        def wf(stamp):
            label = time.strftime("%Y-%m-%d")  # expect: workflow-nondeterminism
            fixed = time.strftime("%Y", time.gmtime(stamp))
            subprocess.run(["convert", "a.png", "b.png"], check=True)  # expect: workflow-nondeterminism
            return label, fixed
    """)
    assert out.found == out.expected


def test_path_io_in_a_service_module_called_from_a_workflow_is_flagged(check):
    out = check({
        "billing.py": """
            import json
            import os
            from pathlib import Path

            LEDGER = Path(os.environ.get("LEDGER_DIR", ".")) / "ledger.jsonl"

            def charge(customer_id, cents):
                with LEDGER.open("a") as ledger:  # expect: workflow-nondeterminism
                    ledger.write(json.dumps({"customer": customer_id, "cents": cents}) + "\\n")

            def already_charged(customer_id):
                return LEDGER.exists() and customer_id in LEDGER.name
        """,
        "app.py": """
            from dbos import DBOS
            import billing

            @DBOS.step()
            def charge_step(customer_id, cents):
                return billing.charge(customer_id, cents)

            @DBOS.workflow()
            def batch(customers):
                for customer_id in customers:
                    billing.charge(customer_id, 100)
                    charge_step(customer_id, 200)
        """,
    })
    assert out.found == out.expected


def test_random_in_helper_called_from_workflow_is_flagged_across_modules(check):
    out = check({
        "helpers.py": """
            import random

            def compute():
                return random.random()  # expect: workflow-nondeterminism

            def pick(items):
                return random.choice(items)  # expect: workflow-nondeterminism

            def only_from_steps():
                return random.random()
        """,
        "app.py": """
            from dbos import DBOS
            from helpers import compute
            import helpers

            @DBOS.step()
            def roll():
                return helpers.only_from_steps()

            @DBOS.workflow()
            def wf(items):
                return compute(), helpers.pick(items), roll()
        """,
    })
    assert out.found == out.expected


def test_same_calls_in_steps_transactions_run_step_and_outside_workflows_are_not_flagged(check):
    out = check("""
        import random, time, uuid
        import requests
        import sqlalchemy as sa
        from dbos import DBOS, SQLAlchemyDatasource

        ds = SQLAlchemyDatasource.create("sqlite:///app.db")

        @DBOS.step()
        def fetch(url):
            return requests.get(url).text, random.random(), time.time()

        @ds.transaction()
        def save(value):
            ds.sql_session().execute(sa.text("insert into t values (:v)"), {"v": value})

        def handler(url):
            return requests.get(url).json(), uuid.uuid4()

        @DBOS.workflow()
        def wf(url):
            token = DBOS.run_step(None, lambda: uuid.uuid4().hex)
            picked = DBOS.run_step({"name": "pick"}, random.random)
            body = fetch(url)
            save(body)
            return token, picked
    """)
    assert out.found == out.expected


def test_helper_run_through_run_step_is_a_step_not_workflow_code(check):
    out = check("""
        import random
        from dbos import DBOS

        def roll():
            return random.random()

        @DBOS.workflow()
        def wf():
            return DBOS.run_step(None, roll)
    """)
    assert out.found == out.expected


def test_workflow_under_route_decorator_and_in_dbos_class_is_checked(check):
    out = check("""
        import random
        from fastapi import FastAPI
        from dbos import DBOS, DBOSConfiguredInstance

        app = FastAPI()

        @app.post("/roll")
        @DBOS.workflow()
        def roll_endpoint():
            return random.random()  # expect: workflow-nondeterminism

        @DBOS.dbos_class()
        class Game(DBOSConfiguredInstance):
            @DBOS.workflow()
            def play(self):
                return self.shuffle()

            def shuffle(self):
                return random.random()  # expect: workflow-nondeterminism

            @DBOS.step()
            def fair_roll(self):
                return random.random()
    """)
    assert out.found == out.expected


def test_time_sleep_in_workflow_is_flagged(check):
    out = check("""
        import asyncio, time
        from dbos import DBOS

        @DBOS.workflow()
        def wf():
            time.sleep(5)  # expect: workflow-time-sleep

        @DBOS.workflow()
        async def awf():
            await asyncio.sleep(5)  # expect: workflow-time-sleep
            await asyncio.sleep(0)
    """)
    assert out.found == out.expected


def test_sleep_inside_step_and_durable_sleep_in_workflow_are_not_flagged(check):
    out = check("""
        import time
        from time import sleep
        from dbos import DBOS

        @DBOS.step()
        def slow():
            time.sleep(1)
            sleep(2)

        @DBOS.workflow()
        def wf():
            slow()
            DBOS.sleep(10)
    """)
    assert out.found == out.expected


def test_thread_running_workflow_or_step_is_flagged(check):
    out = check("""
        import asyncio
        import threading
        from concurrent.futures import ThreadPoolExecutor
        from dbos import DBOS

        @DBOS.step()
        def fetch(i):
            return i

        @DBOS.workflow()
        def process(order_id):
            return fetch(order_id)

        def start(order_id):
            threading.Thread(target=process, args=(order_id,)).start()  # expect: workflow-thread-start

        @DBOS.workflow()
        def fan_out(ids):
            with ThreadPoolExecutor(max_workers=4) as pool:
                return list(pool.map(fetch, ids))  # expect: workflow-thread-start

        async def run_later(order_id):
            await asyncio.to_thread(process, order_id)  # expect: workflow-thread-start
    """)
    assert out.found == out.expected


def test_threads_that_run_neither_workflow_nor_step_are_not_flagged(check):
    out = check("""
        import threading
        import uvicorn
        from dbos import DBOS

        def serve(app):
            uvicorn.run(app, port=8000)

        def heartbeat():
            print("alive")

        def start(app):
            threading.Thread(target=serve, args=(app,), daemon=True).start()
            threading.Thread(target=heartbeat).start()
            handle = DBOS.start_workflow(print)
    """)
    assert out.found == out.expected


def test_global_and_module_level_mutation_in_workflow_or_step_is_flagged(check):
    out = check({
        "store.py": """
            ORDERS = {}
        """,
        "app.py": """
            from dbos import DBOS
            from store import ORDERS

            processed = []
            counter = 0

            @DBOS.workflow()
            def wf(order):
                global counter
                counter += 1  # expect: workflow-global-mutation
                processed.append(order)  # expect: workflow-global-mutation
                return save(order)

            @DBOS.step()
            def save(order):
                ORDERS[order["id"]] = order  # expect: workflow-global-mutation
        """,
    })
    assert out.found == out.expected


def test_reads_of_module_constants_locals_and_dbos_objects_are_not_flagged(check):
    out = check("""
        from dbos import DBOS, SQLAlchemyDatasource

        LIMITS = {"max": 3}
        NAMES = ["a", "b"]
        ds = SQLAlchemyDatasource.create("sqlite:///x.db")

        @DBOS.workflow()
        def wf(items):
            results = []
            for item in items[: LIMITS["max"]]:
                results.append(item)
            lookup = dict(LIMITS)
            lookup["extra"] = 1
            DBOS.set_event("count", len(results))
            return results, NAMES[0]
    """)
    assert out.found == out.expected


def test_rebinding_a_global_queue_or_datasource_in_a_workflow_is_not_flagged(check):
    out = check("""
        from dbos import DBOS, SQLAlchemyDatasource

        queue = None
        ds = None

        @DBOS.workflow()
        def setup():
            global queue, ds
            queue = DBOS.register_queue("late")
            ds = SQLAlchemyDatasource.create("sqlite:///x.db")
    """)
    assert out.found == out.expected


def test_global_mutation_outside_workflows_is_not_flagged(check):
    out = check("""
        CACHE = {}

        def remember(key, value):
            CACHE[key] = value
    """)
    assert out.found == out.expected


def test_state_inside_given_library_modules_is_not_the_authors_mutation(check):
    out = check({
        "billing.py": """
            _calls = 0

            def charge(customer_id):
                global _calls
                _calls += 1
                return f"ch_{_calls}"
        """,
        "app.py": """
            from dbos import DBOS
            import billing

            @DBOS.step()
            def charge_customer(customer_id):
                return billing.charge(customer_id)

            @DBOS.workflow()
            def batch(ids):
                return [charge_customer(i) for i in ids]
        """,
    })
    assert out.found == out.expected


def test_thread_pool_starting_a_method_workflow_of_a_function_local_class_is_flagged(check):
    """Issue 17 (3): the same as a plain function workflow."""
    out = check("""
        from concurrent.futures import ThreadPoolExecutor
        from dbos import DBOS

        def run_all(ids):
            @DBOS.dbos_class()
            class Worker:
                @DBOS.workflow()
                def process(self, i):
                    return i

            worker = Worker()
            with ThreadPoolExecutor(max_workers=4) as pool:
                return [pool.submit(worker.process, i) for i in ids]  # expect: workflow-thread-start
    """)
    assert out.found == out.expected


def test_step_run_through_asyncio_to_thread_in_an_async_workflow_is_not_flagged(check):
    """Issue 17 (3): the context is copied, the step is checkpointed and skipped on replay (3.4.0)."""
    out = check("""
        import asyncio
        from dbos import DBOS

        @DBOS.step()
        def fetch(i):
            return i

        @DBOS.workflow()
        async def process(ids):
            first = await asyncio.to_thread(fetch, ids[0])
            return [first, *[await asyncio.to_thread(fetch, i) for i in ids[1:]]]
    """)
    assert out.found == out.expected
