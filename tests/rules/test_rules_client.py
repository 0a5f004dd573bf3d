"""client-not-destroyed, client-enqueue-missing-keys."""


def test_client_without_try_finally_destroy_is_flagged(check):
    out = check("""
        from dbos import DBOSClient

        def enqueue_order(order):
            client = DBOSClient(system_database_url="postgresql://localhost/app")  # expect: client-not-destroyed
            client.enqueue({"workflow_name": "process", "queue_name": "orders"}, order)
            client.destroy()

        def count_orders(client):
            return len(client.list_workflows(name="process"))

        def report():
            client = DBOSClient(system_database_url="x")  # expect: client-not-destroyed
            print(count_orders(client))
            client.destroy()

        def leak(order):
            DBOSClient(system_database_url="x").enqueue(  # expect: client-not-destroyed
                {"workflow_name": "process", "queue_name": "orders"}, order)
    """)
    assert out.found == out.expected


def test_client_destroyed_in_finally_fixture_lifespan_or_close_is_not_flagged(check):
    out = check({
        "app.py": """
            import atexit
            from contextlib import asynccontextmanager
            from fastapi import FastAPI
            from dbos import DBOSClient

            shared = DBOSClient(system_database_url="x")
            atexit.register(shared.destroy)

            global_client = DBOSClient(system_database_url="x")
            app_hooks = FastAPI()

            @asynccontextmanager
            async def lifespan(app):
                yield
                global_client.destroy()

            def enqueue_order(order):
                client = DBOSClient(system_database_url="x")
                try:
                    return client.enqueue({"workflow_name": "process", "queue_name": "orders"}, order)
                finally:
                    client.destroy()

            def make_client():
                return DBOSClient(system_database_url="x")

            reporting = DBOSClient(system_database_url="x")

            @app_hooks.on_event("shutdown")
            def release_reporting():
                reporting.destroy()

            audit = DBOSClient(system_database_url="x")

            def _close_audit():
                audit.destroy()

            atexit.register(_close_audit)

            class Gateway:
                def __init__(self):
                    self.client = DBOSClient(system_database_url="x")

                def close(self):
                    self.client.destroy()
        """,
        "tests/conftest.py": """
            import pytest
            from dbos import DBOSClient

            @pytest.fixture
            def client():
                c = DBOSClient(system_database_url="x")
                yield c
                c.destroy()
        """,
    })
    assert out.found == out.expected


def test_enqueue_options_missing_workflow_or_queue_name_are_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSClient

        def enqueue(order):
            client = DBOSClient(system_database_url="x")
            try:
                client.enqueue({"workflow_name": "process"}, order)  # expect: client-enqueue-missing-keys
                options = {"queue_name": "orders", "workflow_id": "o-1"}
                client.enqueue(options, order)  # expect: client-enqueue-missing-keys
            finally:
                client.destroy()

        def with_fixture(client, order):
            client.enqueue({"queue_name": "orders"}, order)  # expect: client-enqueue-missing-keys
    """)
    assert out.found == out.expected


def test_complete_options_or_options_built_elsewhere_are_not_flagged(check):
    out = check("""
        from dbos import DBOSClient, EnqueueOptions

        def build_options():
            return {"workflow_name": "process", "queue_name": "orders"}

        def enqueue(order, extra):
            client = DBOSClient(system_database_url="x")
            try:
                client.enqueue({"workflow_name": "process", "queue_name": "orders"}, order)
                client.enqueue(build_options(), order)
                client.enqueue({**extra, "workflow_name": "process"}, order)
                options: EnqueueOptions = {"workflow_name": "process", "queue_name": "orders"}
                client.enqueue(options, order)
                later = {"workflow_name": "process"}
                later["queue_name"] = "orders"
                client.enqueue(later, order)
            finally:
                client.destroy()
    """)
    assert out.found == out.expected
