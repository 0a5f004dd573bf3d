"""test-no-reset, test-reset-after-launch."""


def test_pytest_file_launching_without_reset_is_flagged(check):
    out = check({"tests/test_app.py": """
        import pytest
        from dbos import DBOS

        @pytest.fixture
        def dbos():
            DBOS(config={"name": "t", "system_database_url": "sqlite:///t.db"})
            DBOS.launch()  # expect: test-no-reset
            yield
            DBOS.destroy()

        def test_direct():
            DBOS(config={"name": "t"})
            DBOS.launch()  # expect: test-no-reset
    """})
    assert out.found == out.expected


def test_resetting_fixture_and_fresh_temp_database_are_not_flagged(check):
    out = check({
        "tests/conftest.py": """
            import pytest
            from dbos import DBOS, DBOSConfig

            def start():
                DBOS.launch()

            @pytest.fixture
            def dbos():
                DBOS.destroy()
                config: DBOSConfig = {"name": "t", "system_database_url": "sqlite:///t.db"}
                DBOS(config=config)
                DBOS.reset_system_database()
                start()
                yield
                DBOS.destroy()

            @pytest.fixture
            def fresh(tmp_path):
                DBOS(config={"name": "t", "system_database_url": f"sqlite:///{tmp_path}/t.db"})
                DBOS.launch()
                yield
                DBOS.destroy()
        """,
        "app.py": """
            from dbos import DBOS

            def main():
                DBOS(config={"name": "a", "application_version": "1"})
                DBOS.launch()
        """,
    })
    assert out.found == out.expected


def test_reset_after_launch_is_flagged(check):
    out = check({"tests/test_app.py": """
        import pytest
        from dbos import DBOS

        @pytest.fixture
        def dbos():
            DBOS(config={"name": "t"})
            DBOS.launch()
            DBOS.reset_system_database()  # expect: test-reset-after-launch
            yield
            DBOS.destroy()
    """})
    assert out.found == out.expected


def test_reset_after_destroy_and_relaunch_is_not_flagged(check):
    out = check({"tests/test_app.py": """
        import pytest
        from dbos import DBOS

        @pytest.fixture
        def dbos():
            DBOS.destroy()
            DBOS(config={"name": "t"})
            DBOS.reset_system_database()
            DBOS.launch()
            yield
            DBOS.destroy()
            DBOS(config={"name": "t"})
            DBOS.reset_system_database()
            DBOS.launch()
            DBOS.destroy()
    """})
    assert out.found == out.expected


def test_tmp_path_used_for_something_else_does_not_excuse_a_missing_reset(tmp_path):
    from graders.rules import check_paths

    (tmp_path / "test_orders.py").write_text(
        "import os\nimport pytest\nfrom dbos import DBOS\n\n\n"
        "@pytest.fixture()\ndef app(tmp_path):\n"
        "    (tmp_path / 'orders.json').write_text('[]')\n"
        "    DBOS(config={'name': 'orders', 'system_database_url': os.environ['DBOS_SYSTEM_DATABASE_URL']})\n"
        "    DBOS.launch()\n    yield\n    DBOS.destroy()\n")
    found = [(v.rule, v.line) for v in check_paths([tmp_path]).violations]
    assert ("test-no-reset", 10) in found


def test_a_fresh_sqlite_file_under_tmp_path_needs_no_reset(tmp_path):
    from graders.rules import check_paths

    (tmp_path / "test_orders.py").write_text(
        "import pytest\nfrom dbos import DBOS\n\n\n"
        "@pytest.fixture()\ndef app(tmp_path):\n"
        "    url = f'sqlite:///{tmp_path}/sys.sqlite'\n"
        "    DBOS(config={'name': 'orders', 'system_database_url': url})\n"
        "    DBOS.launch()\n    yield\n    DBOS.destroy()\n")
    assert [v.rule for v in check_paths([tmp_path]).violations if v.rule == "test-no-reset"] == []


def test_recovery_test_relaunching_on_the_same_database_is_not_flagged(check):
    """Issue 17 (4): a second launch after the test's first one is a restart, not a missing reset."""
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
        "tests/test_recovery.py": """
            from dbos import DBOS
            from conftest import CONFIG

            def test_recovers_after_restart(dbos):
                DBOS.destroy()
                DBOS(config=CONFIG)
                DBOS.launch()

            def test_two_runs():
                DBOS(config=CONFIG)
                DBOS.reset_system_database()
                DBOS.launch()
                DBOS.destroy()
                DBOS(config=CONFIG)
                DBOS.launch()
        """,
    })
    assert out.found == out.expected


def test_reset_through_a_fixture_or_helper_of_another_name_and_scripts_are_not_flagged(check):
    out = check({
        "tests/conftest.py": """
            import pytest
            import sqlalchemy as sa
            from dbos import DBOS

            def recreate(url):
                with sa.create_engine(url).connect() as conn:
                    conn.execute(sa.text("DROP DATABASE IF EXISTS app_sys"))
                    conn.execute(sa.text("CREATE DATABASE app_sys"))

            @pytest.fixture
            def clean_databases():
                recreate("postgresql://localhost/postgres")

            @pytest.fixture
            def fresh_system_db():
                DBOS.reset_system_database()

            @pytest.fixture
            def dbos(clean_databases):
                DBOS(config={"name": "t", "system_database_url": "postgresql://localhost/app_sys"})
                DBOS.launch()
                yield
                DBOS.destroy()

            @pytest.fixture
            def dbos_reset(fresh_system_db):
                DBOS.launch()
                yield
                DBOS.destroy()
        """,
        "tests/test_load.py": """
            from dbos import DBOS

            def main():
                DBOS(config={"name": "load", "system_database_url": "sqlite:///load.db"})
                DBOS.launch()

            if __name__ == "__main__":
                main()
        """,
    })
    assert out.found == out.expected


def test_first_launch_of_a_test_without_reset_is_still_flagged(check):
    out = check({"tests/test_restart.py": """
        from dbos import DBOS

        CONFIG = {"name": "t", "system_database_url": "sqlite:///t.db"}

        def test_restart():
            DBOS(config=CONFIG)
            DBOS.launch()  # expect: test-no-reset
            DBOS.destroy()
            DBOS(config=CONFIG)
            DBOS.launch()

        if __name__ == "__main__":
            test_restart()
    """})
    assert out.found == out.expected


def test_restart_through_a_helper_after_the_fixtures_launch_is_not_flagged(check):
    out = check({"tests/test_restart.py": """
        import pytest
        from dbos import DBOS

        CONFIG = {"name": "t", "system_database_url": "sqlite:///t.db"}

        @pytest.fixture
        def dbos():
            DBOS(config=CONFIG)
            DBOS.launch()  # expect: test-no-reset
            yield
            DBOS.destroy()

        def restart():
            DBOS.destroy()
            DBOS(config=CONFIG)
            DBOS.launch()

        def test_survives_restart(dbos):
            restart()
    """})
    assert out.found == out.expected


def test_resets_in_autouse_usefixtures_and_overridden_fixtures_count(check):
    out = check({
        "tests/conftest.py": """
            import pytest
            from dbos import DBOS

            @pytest.fixture(name="fresh_db")
            def _fresh_db():
                DBOS(config={"name": "t", "system_database_url": "sqlite:///t.db"})
                DBOS.reset_system_database()
        """,
        "tests/test_autouse.py": """
            import pytest
            from dbos import DBOS

            @pytest.fixture(autouse=True)
            def reset():
                DBOS.reset_system_database()

            def test_launch():
                DBOS.launch()
        """,
        "tests/test_marked.py": """
            import pytest
            from dbos import DBOS

            @pytest.fixture
            def fresh_db(fresh_db):
                yield

            @pytest.mark.usefixtures("fresh_db")
            def test_launch():
                DBOS.launch()

            def test_launch_unreset():
                DBOS.launch()  # expect: test-no-reset
        """,
    })
    assert out.found == out.expected
