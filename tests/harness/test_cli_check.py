"""`python run_eval.py check`: exit 0 clean, 1 findings, 2 bad input; JSON is a list of findings."""

import json
import subprocess
import sys

from tests.conftest import REPO

NONDETERMINISTIC = "import random\nfrom dbos import DBOS\n\n@DBOS.workflow()\ndef w():\n    return random.random()\n"
CLEAN = "import random\nfrom dbos import DBOS\n\n@DBOS.step()\ndef s():\n    return random.random()\n"


def check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "run_eval.py"), "check", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def test_findings_exit_1_with_rule_path_and_line(tmp_path):
    (tmp_path / "app.py").write_text(NONDETERMINISTIC)
    done = check(str(tmp_path), "--format", "json")
    assert done.returncode == 1, done.stderr
    [finding] = json.loads(done.stdout)
    assert finding["rule"] == "workflow-nondeterminism" and finding["line"] == 6
    assert finding["path"] == "app.py" and finding["severity"] == "critical" and finding["message"]


def test_clean_code_exits_0(tmp_path):
    (tmp_path / "app.py").write_text(CLEAN)
    done = check(str(tmp_path / "app.py"))
    assert done.returncode == 0 and done.stdout.strip() == ""


def test_a_file_that_does_not_parse_is_reported_and_the_rest_still_checked(tmp_path):
    (tmp_path / "bad.py").write_text("def f(:\n")
    (tmp_path / "app.py").write_text(NONDETERMINISTIC)
    done = check(str(tmp_path))
    assert done.returncode == 2
    assert "bad.py:1: syntax error" in done.stderr
    assert "workflow-nondeterminism" in done.stdout


def test_a_missing_path_is_one_line_exit_2(tmp_path):
    done = check(str(tmp_path / "nope"))
    assert done.returncode == 2 and "no such file or directory" in done.stderr and "Traceback" not in done.stderr
