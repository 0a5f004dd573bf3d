"""lifecycle-launch-at-import, lifecycle-no-launch, lifecycle-no-app-version."""


def test_launch_and_config_at_module_level_are_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSConfig
        config: DBOSConfig = {"name": "app", "application_version": "1"}
        DBOS(config=config)  # expect: lifecycle-launch-at-import
        DBOS.launch()  # expect: lifecycle-launch-at-import
    """)
    assert out.found == out.expected


def test_launch_inside_try_block_at_module_level_is_flagged(check):
    out = check("""
        import dbos
        try:
            dbos.DBOS.launch()  # expect: lifecycle-launch-at-import
        except Exception:
            pass
    """)
    assert out.found == out.expected


def test_module_level_call_of_a_launching_main_is_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSConfig

        def main():
            DBOS(config={"name": "app", "application_version": "1"})
            DBOS.launch()

        main()  # expect: lifecycle-launch-at-import
    """)
    assert out.found == out.expected


def test_launch_in_main_guard_main_function_lifespan_and_fixture_is_not_flagged(check):
    out = check({
        "app.py": """
            from contextlib import asynccontextmanager
            from fastapi import FastAPI
            from dbos import DBOS, DBOSConfig

            @asynccontextmanager
            async def lifespan(app):
                DBOS(config={"name": "app", "application_version": "1"})
                DBOS.launch()
                yield
                DBOS.destroy()

            api = FastAPI(lifespan=lifespan)

            def main():
                DBOS(config={"name": "app", "application_version": "1"})
                DBOS.launch()

            if __name__ == "__main__":
                main()
        """,
        "tests/conftest.py": """
            import pytest
            from dbos import DBOS

            @pytest.fixture()
            def dbos():
                DBOS.destroy()
                DBOS(config={"name": "t", "system_database_url": "sqlite:///t.db"})
                DBOS.reset_system_database()
                DBOS.launch()
                yield
                DBOS.destroy()
        """,
    })
    assert out.found == out.expected


def test_aliased_dbos_instance_launch_at_import_is_flagged(check):
    out = check("""
        from dbos import DBOS as D
        app = D(config={"name": "x", "application_version": "1"})  # expect: lifecycle-launch-at-import
        app.launch()  # expect: lifecycle-launch-at-import
    """)
    assert out.found == out.expected


def test_configured_app_that_never_launches_is_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.workflow()
        def wf():
            return 1

        def main():
            DBOS(config={"name": "app", "application_version": "1"})  # expect: lifecycle-no-launch
            wf()

        if __name__ == "__main__":
            main()
    """)
    assert out.found == out.expected


def test_workflows_with_main_but_no_config_or_launch_is_flagged(check):
    out = check("""
        from dbos import DBOS

        @DBOS.workflow()
        def wf():
            return 1

        if __name__ == "__main__":  # expect: lifecycle-no-launch
            print(wf())
    """)
    assert out.found == out.expected


def test_library_without_entry_point_is_not_flagged_for_no_launch(check):
    out = check("""
        from dbos import DBOS

        def configure(url):
            DBOS(config={"name": "lib", "system_database_url": url, "application_version": "1"})

        @DBOS.workflow()
        def wf():
            return 1
    """)
    assert out.found == out.expected


def test_launch_in_an_imported_module_satisfies_no_launch(check):
    out = check({
        "setup_dbos.py": """
            from dbos import DBOS

            def start():
                DBOS(config={"name": "app", "application_version": "1"})
                DBOS.launch()
        """,
        "main.py": """
            from setup_dbos import start

            if __name__ == "__main__":
                start()
        """,
    })
    assert out.found == out.expected


def test_library_launched_by_its_tests_is_not_flagged_for_no_launch(check):
    out = check({
        "app.py": """
            from dbos import DBOS

            def configure():
                DBOS(config={"name": "lib", "application_version": "1"})
        """,
        "test_app.py": """
            import pytest
            from dbos import DBOS
            from app import configure

            @pytest.fixture
            def dbos():
                DBOS.destroy()
                configure()
                DBOS.reset_system_database()
                DBOS.launch()
                yield
                DBOS.destroy()
        """,
    })
    assert out.found == out.expected


def test_test_file_that_configures_without_launch_is_not_flagged(check):
    out = check({"tests/test_cfg.py": """
        from dbos import DBOS

        def test_config():
            DBOS(config={"name": "t"})
    """})
    assert out.found == out.expected


def test_config_without_application_version_is_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSConfig

        def main():
            config: DBOSConfig = {  # expect: lifecycle-no-app-version
                "name": "app",
                "system_database_url": "sqlite:///app.db",
            }
            DBOS(config=config)
            DBOS.launch()
    """)
    assert out.found == out.expected


def test_inline_config_and_dbosconfig_call_without_version_are_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSConfig

        def main():
            DBOS(config={"name": "app"})  # expect: lifecycle-no-app-version
            DBOS.launch()

        def other():
            return DBOSConfig(name="app")  # expect: lifecycle-no-app-version
    """)
    assert out.found == out.expected


def test_config_reading_version_from_environment_is_not_flagged(check):
    out = check("""
        import os
        from dbos import DBOS, DBOSConfig

        def main():
            config: DBOSConfig = {"name": "app", "application_version": os.environ["APP_VERSION"]}
            DBOS(config=config)
            DBOS.launch()
    """)
    assert out.found == out.expected


def test_config_relying_on_dbos_appversion_variable_is_not_flagged(check):
    out = check("""
        import os
        from dbos import DBOS, DBOSConfig

        def main():
            os.environ.setdefault("DBOS__APPVERSION", "v1")
            DBOS(config={"name": "app"})
            DBOS.launch()
    """)
    assert out.found == out.expected


def test_config_completed_later_or_spread_is_not_flagged(check):
    out = check("""
        from dbos import DBOS, DBOSConfig

        BASE = {"application_version": "1"}

        def main(version):
            config: DBOSConfig = {"name": "app"}
            config["application_version"] = version
            DBOS(config=config)
            other: DBOSConfig = {"name": "b", **BASE}
            DBOS.launch()
    """)
    assert out.found == out.expected


def test_config_in_test_files_is_not_flagged_for_version(check):
    out = check({"tests/test_app.py": """
        import pytest
        from dbos import DBOS, DBOSConfig

        @pytest.fixture
        def dbos():
            DBOS.destroy()
            config: DBOSConfig = {"name": "t", "system_database_url": "sqlite:///t.db"}
            DBOS(config=config)
            DBOS.reset_system_database()
            DBOS.launch()
            yield
            DBOS.destroy()
    """})
    assert out.found == out.expected


def test_second_program_that_configures_but_never_launches_is_flagged(check):
    out = check({
        "worker.py": """
            from dbos import DBOS

            @DBOS.workflow()
            def approve(expense_id):
                return DBOS.recv("decision")

            if __name__ == "__main__":
                DBOS(config={"name": "worker", "application_version": "1"})
                DBOS.launch()
        """,
        "cli.py": """
            import sys
            from dbos import DBOS

            def decide(expense_id):
                DBOS(config={"name": "cli"})  # expect: lifecycle-no-launch, lifecycle-no-app-version
                DBOS.send(f"expense-{expense_id}", "yes", topic="decision")

            if __name__ == "__main__":
                decide(sys.argv[1])
        """,
    })
    assert out.found == out.expected


def test_setup_module_configuring_at_import_is_launched_by_its_importer(check):
    """Issue 17 (1): the program is the entry module plus what it imports, whichever module launches."""
    out = check({
        "app/setup.py": """
            from dbos import DBOS
            DBOS(config={"name": "app", "application_version": "1"})  # expect: lifecycle-launch-at-import
        """,
        "app/workflows/orders.py": """
            from dbos import DBOS

            @DBOS.workflow()
            def place(order_id):
                return order_id
        """,
        "main.py": """
            from dbos import DBOS
            import app.setup
            from app.workflows.orders import place

            def main():
                DBOS.launch()
                place(1)

            if __name__ == "__main__":
                main()
        """,
    })
    assert out.found == out.expected


def test_setup_module_configuring_at_import_whose_importer_never_launches_is_flagged(check):
    out = check({
        "app/setup.py": """
            from dbos import DBOS
            config = {"name": "app", "application_version": "1"}
            DBOS(config=config)  # expect: lifecycle-launch-at-import, lifecycle-no-launch
        """,
        "main.py": """
            import app.setup

            def main():
                print("started")

            if __name__ == "__main__":
                main()
        """,
    })
    assert out.found == out.expected


def test_silent_sqlite_fallback_into_the_system_database_url_is_flagged(check):
    """Issue 11 (5): with the variable unset the program starts from an empty database and redoes work."""
    out = check({
        "settings.py": """
            import os
            DEFAULT_DB = "sqlite:///local.sqlite"
            SYSTEM_DB = os.environ.get("DBOS_SYSTEM_DATABASE_URL", DEFAULT_DB)  # expect: lifecycle-silent-db-fallback
        """,
        "client_tool.py": """
            import os
            from dbos import DBOSClient

            def database_url():
                return os.getenv("SYS_DB") or "sqlite:///jobs.sqlite"  # expect: lifecycle-silent-db-fallback

            def main():
                client = DBOSClient(system_database_url=database_url())
                try:
                    client.list_workflows()
                finally:
                    client.destroy()

            if __name__ == "__main__":
                main()
        """,
        "app.py": """
            import os
            from dbos import DBOS, DBOSConfig
            from settings import SYSTEM_DB

            def main():
                config: DBOSConfig = {"name": "app", "application_version": "1", "system_database_url": SYSTEM_DB}
                DBOS(config=config)
                DBOS.launch()

            def other():
                url = os.environ.get("URL", f"sqlite:///{os.getcwd()}/x.sqlite")  # expect: lifecycle-silent-db-fallback
                DBOS(config={"name": "other", "application_version": "1", "system_database_url": url})
                DBOS.launch()

            if __name__ == "__main__":
                main()
        """,
    })
    assert out.found == out.expected


def test_required_url_explicit_logged_default_and_test_databases_are_not_flagged(check):
    out = check({
        "app.py": """
            import logging
            import os
            import sys
            from dbos import DBOS, DBOSConfig

            LOG_LEVEL = os.environ.get("LOG_LEVEL", "sqlite-ish")

            def system_url():
                url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
                if url is None:
                    logging.warning("DBOS_SYSTEM_DATABASE_URL is unset: using the development database dev.sqlite")
                    url = "sqlite:///dev.sqlite"
                return url

            def main():
                if "DBOS_SYSTEM_DATABASE_URL" not in os.environ:
                    sys.exit("set DBOS_SYSTEM_DATABASE_URL to the system database")
                config: DBOSConfig = {
                    "name": "app", "application_version": "1",
                    "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                }
                DBOS(config=config)
                DBOS.launch()

            def dev():
                cache = os.environ.get("CACHE_URL", "sqlite:///cache.sqlite")
                DBOS(config={"name": "dev", "application_version": "1", "system_database_url": system_url()})
                DBOS.launch()
                return cache

            if __name__ == "__main__":
                main()
        """,
        "tests/conftest.py": """
            import os
            import pytest
            from dbos import DBOS

            @pytest.fixture
            def dbos(tmp_path):
                url = os.environ.get("DBOS_TEST_DATABASE_URL", f"sqlite:///{tmp_path}/t.sqlite")
                DBOS(config={"name": "t", "system_database_url": url})
                DBOS.reset_system_database()
                DBOS.launch()
                yield
                DBOS.destroy()
        """,
    })
    assert out.found == out.expected


def test_config_url_read_without_default_is_a_silent_fallback_inside_dbos(check):
    """DBOS 3.4.0 replaces a missing or empty system_database_url by sqlite:///<name>.sqlite; a DBOSClient
    raises instead, and a fixture wants a fresh database."""
    out = check("""
        import os
        import pytest
        from dbos import DBOS, DBOSClient

        def url():
            return os.getenv("DBOS_SYSTEM_DATABASE_URL")

        def main():
            DBOS(config={
                "name": "app", "application_version": "1",
                "system_database_url": os.environ.get("SYS_DB"),  # expect: lifecycle-silent-db-fallback
            })
            DBOS.launch()

        def worker():
            config = {"name": "w", "application_version": "1"}
            DBOS(config={**config, "system_database_url": url()})  # expect: lifecycle-silent-db-fallback
            DBOS.launch()

        def admin():
            client = DBOSClient(system_database_url=os.environ.get("DBOS_SYSTEM_DATABASE_URL"))
            try:
                return client.list_workflows()
            finally:
                client.destroy()

        @pytest.fixture
        def dbos_env(tmp_path):
            DBOS(config={"name": "t", "application_version": "t",
                         "system_database_url": os.environ.get("T", f"sqlite:///{tmp_path}/t.db")})
            DBOS.reset_system_database()
            DBOS.launch()
            yield
            DBOS.destroy()

        if __name__ == "__main__":
            main()
    """)
    assert out.found == out.expected
