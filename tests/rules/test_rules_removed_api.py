"""api-removed-v3: 2.x APIs that crash DBOS 3."""


def test_constructing_queue_directly_is_flagged(check):
    out = check("""
        from dbos import DBOS, Queue

        queue = Queue("jobs", concurrency=2)  # expect: api-removed-v3
    """)
    assert out.found == out.expected


def test_queue_used_only_as_import_or_type_hint_is_not_flagged(check):
    out = check("""
        from typing import Optional
        from dbos import DBOS, Queue

        def main() -> None:
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            queue: Queue = DBOS.register_queue("jobs")
            found: Optional[Queue] = DBOS.retrieve_queue("jobs")
    """)
    assert out.found == out.expected


def test_transaction_decorator_and_sql_session_are_flagged(check):
    out = check("""
        from dbos import DBOS
        import sqlalchemy as sa

        @DBOS.transaction()  # expect: api-removed-v3
        def insert(name):
            DBOS.sql_session.execute(sa.text("insert into t values (:n)"), {"n": name})  # expect: api-removed-v3
    """)
    assert out.found == out.expected


def test_scheduled_decorator_is_flagged(check):
    out = check("""
        import dbos

        @dbos.DBOS.scheduled("* * * * *")  # expect: api-removed-v3
        @dbos.DBOS.workflow()
        def every_minute(scheduled, actual):
            pass
    """)
    assert out.found == out.expected


def test_removed_config_keys_and_fastapi_argument_are_flagged(check):
    out = check("""
        from fastapi import FastAPI
        from dbos import DBOS, DBOSConfig

        app = FastAPI()

        def main():
            config: DBOSConfig = {
                "name": "app",
                "application_version": "1",
                "database_url": "postgresql://localhost/app",  # expect: api-removed-v3
            }
            DBOS(fastapi=app, config=config)  # expect: api-removed-v3
            DBOS.launch()
    """)
    assert out.found == out.expected


def test_removed_queue_options_are_flagged(check):
    out = check("""
        from dbos import DBOS

        def main():
            DBOS(config={"name": "a", "application_version": "1"})
            DBOS.launch()
            DBOS.register_queue("jobs", priority_enabled=True)  # expect: api-removed-v3
    """)
    assert out.found == out.expected


def test_configured_instance_with_instance_name_is_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSConfiguredInstance

        @DBOS.dbos_class()
        class Fetcher(DBOSConfiguredInstance):
            def __init__(self, url):
                self.url = url
                super().__init__(instance_name=url)  # expect: api-removed-v3
    """)
    assert out.found == out.expected


def test_configured_instance_with_config_name_and_datasource_transaction_are_not_flagged(check):
    out = check("""
        import sqlalchemy as sa
        from dbos import DBOS, DBOSConfiguredInstance, SQLAlchemyDatasource

        ds = SQLAlchemyDatasource.create("sqlite:///app.db")

        @ds.transaction()
        def insert(name):
            ds.sql_session().execute(sa.text("insert into t values (:n)"), {"n": name})

        @DBOS.dbos_class()
        class Fetcher(DBOSConfiguredInstance):
            def __init__(self, url):
                super().__init__(config_name=url)

        def schedules():
            DBOS.apply_schedules([])
    """)
    assert out.found == out.expected
