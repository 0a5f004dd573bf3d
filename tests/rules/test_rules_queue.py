"""queue-not-registered, queue-registered-before-launch, queue-partition-key-missing."""


def test_enqueue_on_unregistered_queue_is_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSClient

        @DBOS.workflow()
        def task(x):
            return x

        def main():
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            DBOS.register_queue("jobs")
            DBOS.enqueue_workflow("job", task, 1)  # expect: queue-not-registered

        def from_client():
            client = DBOSClient(system_database_url="sqlite:///a.db")
            try:
                client.enqueue({"workflow_name": "task", "queue_name": "emails"}, 1)  # expect: queue-not-registered
            finally:
                client.destroy()
    """)
    assert out.found == out.expected


def test_queue_names_resolved_through_constants_across_modules_are_not_flagged(check):
    out = check({
        "settings.py": """
            QUEUE_NAME = "jobs"
        """,
        "app.py": """
            from dbos import DBOS
            from settings import QUEUE_NAME
            import settings

            @DBOS.workflow()
            def task(x):
                return x

            def main():
                DBOS(config={"name": "a", "application_version": "1"})
                DBOS.launch()
                DBOS.register_queue(QUEUE_NAME, worker_concurrency=2)
                DBOS.enqueue_workflow("jobs", task, 1)
                DBOS.enqueue_workflow(settings.QUEUE_NAME, task, 2)

            def unknown(name):
                DBOS.enqueue_workflow(name, task, 3)

            fallback = "not-a-queue"

            def shadowed(fallback):
                DBOS.enqueue_workflow(fallback, task, 4)

            def rebound(flag):
                target = "jobs"
                if flag:
                    target = "other"
                DBOS.enqueue_workflow(target, task, 5)
        """,
    })
    assert out.found == out.expected


def test_register_queue_before_launch_or_at_import_is_flagged(check):
    out = check("""
        from dbos import DBOS

        emails = DBOS.register_queue("emails")  # expect: queue-registered-before-launch

        def setup_queues():
            DBOS.register_queue("reports")

        def main():
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.register_queue("jobs")  # expect: queue-registered-before-launch
            setup_queues()  # expect: queue-registered-before-launch
            DBOS.launch()
    """)
    assert out.found == out.expected


def test_register_queue_after_launch_in_lifespan_main_or_workflow_is_not_flagged(check):
    out = check("""
        from contextlib import asynccontextmanager
        from dbos import DBOS

        def setup_queues():
            DBOS.register_queue("reports")

        @asynccontextmanager
        async def lifespan(app):
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            await DBOS.register_queue_async("jobs")
            yield

        @DBOS.workflow()
        def make_queue():
            DBOS.register_queue("dynamic")

        if __name__ == "__main__":
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            setup_queues()
            DBOS.register_queue("emails")
    """)
    assert out.found == out.expected


def test_enqueue_on_partitioned_queue_without_partition_key_is_flagged(check):
    out = check("""
        from dbos import DBOS, SetEnqueueOptions

        @DBOS.workflow()
        def task(user):
            return user

        def main():
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            per_user = DBOS.register_queue("per_user", partition_concurrency=1)
            DBOS.enqueue_workflow("per_user", task, "u1")  # expect: queue-partition-key-missing
            per_user.enqueue(task, "u2")  # expect: queue-partition-key-missing
            with SetEnqueueOptions(priority=1):
                DBOS.enqueue_workflow("per_user", task, "u3")  # expect: queue-partition-key-missing
    """)
    assert out.found == out.expected


def test_enqueue_with_partition_key_or_on_plain_queue_is_not_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSClient, SetEnqueueOptions

        @DBOS.workflow()
        def task(user):
            return user

        def enqueue_for(user):
            return DBOS.enqueue_workflow("per_user", task, user)

        def main():
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            DBOS.register_queue("per_user", partition_limiter={"limit": 1, "period": 1})
            DBOS.register_queue("plain")
            with SetEnqueueOptions(queue_partition_key="u1"):
                DBOS.enqueue_workflow("per_user", task, "u1")
            with SetEnqueueOptions(queue_partition_key="u2"):
                enqueue_for("u2")
            DBOS.enqueue_workflow("plain", task, "u3")
            client = DBOSClient(system_database_url="sqlite:///a.db")
            try:
                client.enqueue({"workflow_name": "task", "queue_name": "per_user", "queue_partition_key": "u4"})
            finally:
                client.destroy()
    """)
    assert out.found == out.expected


def test_register_after_the_fixtures_launch_or_under_a_launched_guard_is_not_flagged(check):
    """Issue 17 (5): in a test, DBOS is already launched by its fixture; a later relaunch does not move it."""
    out = check({
        "tests/conftest.py": """
            import pytest
            from dbos import DBOS

            CONFIG = {"name": "t", "system_database_url": "sqlite:///t.db"}

            @pytest.fixture
            def dbos():
                DBOS.destroy()
                DBOS(config=CONFIG)
                DBOS.reset_system_database()
                DBOS.launch()
                yield
                DBOS.destroy()
        """,
        "tests/test_queue.py": """
            from dbos import DBOS
            from conftest import CONFIG

            def test_queue_survives_restart(dbos):
                DBOS.register_queue("q")
                DBOS.destroy()
                DBOS(config=CONFIG)
                DBOS.launch()
                DBOS.register_queue("q")
        """,
        "app.py": """
            from dbos import DBOS

            launched = False

            def start():
                global launched
                if launched:
                    DBOS.register_queue("jobs")
                    return
                DBOS(config={"name": "a", "application_version": "1"})
                DBOS.launch()
                launched = True
                DBOS.register_queue("jobs")
        """,
    })
    assert out.found == out.expected


def test_register_between_a_tests_destroy_and_relaunch_is_flagged(check):
    out = check({
        "tests/conftest.py": """
            import pytest
            from dbos import DBOS

            CONFIG = {"name": "t", "system_database_url": "sqlite:///t.db"}

            @pytest.fixture
            def dbos():
                DBOS.destroy()
                DBOS(config=CONFIG)
                DBOS.reset_system_database()
                DBOS.launch()
                yield
                DBOS.destroy()
        """,
        "tests/test_queue.py": """
            from dbos import DBOS
            from conftest import CONFIG

            def test_queue_survives_restart(dbos):
                DBOS.register_queue("q")
                DBOS.destroy()
                DBOS(config=CONFIG)
                DBOS.register_queue("q")  # expect: queue-registered-before-launch
                DBOS.launch()
        """,
    })
    assert out.found == out.expected
