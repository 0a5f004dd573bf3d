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
