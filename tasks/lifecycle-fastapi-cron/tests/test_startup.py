"""Importing the modules starts nothing: DBOS is launched by the server's startup and by the cron entry point."""

from dbos_evalkit import run_program

UNREACHABLE = "postgresql://nobody:nothing@/no_such_db?host=/nonexistent"


def test_importing_the_modules_connects_to_nothing():
    done = run_program("-c", "import payouts, api, cron", env={"DBOS_SYSTEM_DATABASE_URL": UNREACHABLE},
                       timeout=30)
    assert done.returncode == 0, "importing the modules tried to start DBOS:\n" + done.stderr[-1500:]
