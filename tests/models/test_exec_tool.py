"""``--agent-tools exec``: the agent's ``run_command`` through the real SDKs (loopback servers), run inside the
grading sandbox with its own database; what it can and cannot reach, its limits, the cache's replay of commands,
and that the choice is part of the trial key."""

from __future__ import annotations

import json
import socket
from dataclasses import replace

import pytest

from graders.sandbox import BwrapSandbox
from harness.errors import UserError
from harness.generation import generate_trial
from harness.models.exec_tool import CommandSandbox, cap_output, with_limits
from harness.models.settings import resolve_settings
from harness.skills import Arm
from harness.trials import expand
from tests.conftest import FIXTURE_TASKS
from tests.models.conftest import MODEL_IDS, SECRET
from tests.models.loopback import LoopbackServer, Turn, call

REFERENCE = (FIXTURE_TASKS / "greet-workflow" / "reference" / "greet.py").read_text()
FAILING = "python -c 'import dbos, greet; print(greet.shout)'"
PASSING = "python -c 'import dbos, greet; print(\"ok\", greet.shout(\"x\"))' | tee made_by_command.txt"


def session_script(body: dict, turn: int) -> Turn:
    """List the files, run a command that imports dbos and fails, write a fix, run again (writing a file), finish."""
    steps = [Turn("", (call("list_files"),)),
             Turn("", (call("run_command", command=FAILING),)),
             Turn("", (call("write_file", path="greet.py", content=REFERENCE),)),
             Turn("", (call("run_command", command=PASSING),)),
             Turn("", (call("finish", summary="fixed and checked"),))]
    return steps[min(turn, len(steps) - 1)]


@pytest.fixture()
def commands(grading_env, task) -> CommandSandbox:
    return CommandSandbox(grading_env, task.grading, "exectest")


def commands_of(transcript: list[dict]) -> list[dict]:
    return [e for e in transcript if e.get("event") == "command"]


def results_of(transcript: list[dict]) -> list[str]:
    return [e["content"] for e in transcript if e.get("role") == "tool" and e.get("name") == "run_command"]


@pytest.mark.parametrize("protocol", ["anthropic", "openai"])
def test_a_scripted_session_runs_commands_in_the_sandbox_and_a_rerun_replays_them(
        protocol, make_model, request_for, commands, tmp_path):
    with LoopbackServer(protocol, session_script) as server:
        model = make_model(server, agent_tools="exec")
        request = replace(request_for(), commands=commands)
        generation = model.generate(request)
        assert generation.error is None, generation.transcript[-3:]
        tools = server.requests[0]["body"]["tools"]
        names = [t.get("name") or t["function"]["name"] for t in tools]
        assert "run_command" in names
        ran = commands_of(generation.transcript)
        assert [(c["command"], c["exit_code"], c["cached"]) for c in ran] == [(FAILING, 1, False), (PASSING, 0, False)]
        failed, passed = results_of(generation.transcript)
        assert failed.startswith("exit code 1") and "AttributeError" in failed and "shout" in failed
        assert passed.startswith("exit code 0") and "ok x" in passed and "made_by_command.txt" in passed
        assert generation.files["made_by_command.txt"] == "ok x\n"  # a file the command wrote is in the result
        assert generation.files["greet.py"] == REFERENCE
        usage = generation.usage
        assert usage.commands == 2 and usage.cached_commands == 0 and usage.command_s > 0 and usage.calls == 5
        calls = len(server.requests)

        again = model.generate(request_for())  # no sandbox at all: every command must come from the cache
        assert len(server.requests) == calls  # no API call
        assert again.error is None and again.files == generation.files
        assert [c["cached"] for c in commands_of(again.transcript)] == [True, True]
        assert results_of(again.transcript) == [failed, passed]
        assert again.usage.cached_commands == 2 and again.usage.calls == 0 and again.usage.cached_calls == 5


def test_the_sandbox_has_no_network_no_hidden_tests_no_keys_and_its_own_database(commands, task, pg_server,
                                                                                 monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    files = {"greet.py": "x = 1\n"}
    try:
        with commands.session() as session:
            net = session.run(f"python -c 'import socket; socket.create_connection((\"127.0.0.1\", {port}), 3)'",
                              files, 30)
            hidden = session.run(f"cat {task.path}/tests/test_greet.py; ls {task.path}", files, 30)
            env = session.run("env; id -u; pwd; ls", files, 30)
            db = session.run("python -c 'import os, psycopg; url = os.environ[\"DBOS_SYSTEM_DATABASE_URL\"]; "
                             "print(psycopg.connect(url).execute(\"select current_database()\").fetchone()[0])'",
                             files, 30)
            assert session.database is not None
            name = session.database.name
            assert db.exit_code == 0 and db.output.strip() == name
    finally:
        listener.close()
    assert net.exit_code != 0 and ("Network is unreachable" in net.output or "refused" in net.output)
    assert hidden.exit_code != 0 and "No such file" in hidden.output and "def test" not in hidden.output
    assert env.exit_code == 0 and "_API_KEY" not in env.output and SECRET not in env.output
    assert "DBOS_SYSTEM_DATABASE_URL=" in env.output and "/workspace" in env.output and "greet.py" in env.output
    if BwrapSandbox().as_root:
        assert "\n0\n" not in env.output  # not root inside
    with pg_server.connect() as conn:  # dropped when the session closed
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None


def test_output_is_capped_head_and_tail_and_a_call_has_a_time_limit(commands):
    small = with_limits(commands, output_chars=1000)
    with small.session() as session:
        loud = session.run("python -c \"print('A' * 30000 + 'B' * 30000)\"", {}, 30)
        slow = session.run("sleep 30; echo never", {}, 1.0)
    assert loud.exit_code == 0 and loud.output_bytes == 60001
    assert loud.output.startswith("A" * 500) and loud.output.rstrip().endswith("B" * 499)
    assert "[… 59001 bytes cut …]" in loud.output and len(loud.output) < 1100
    assert slow.timed_out and slow.exit_code is None and "never" not in slow.output
    assert "killed after" in slow.message()
    assert cap_output(b"short", 10) == "short"


def test_a_trial_has_a_total_command_budget(make_model, request_for, commands):
    script = [Turn("", (call("run_command", command="sleep 5"),)), Turn("", (call("run_command", command="echo hi"),)),
              Turn("", (call("finish"),))]
    with LoopbackServer("anthropic", script) as server:
        model = make_model(server, agent_tools="exec", cache=False)
        generation = model.generate(replace(request_for(), commands=with_limits(commands, call_s=1.0, total_s=1.0)))
    first, second = [e for e in generation.transcript if e.get("role") == "tool" and e["name"] == "run_command"]
    assert first["content"].startswith("killed after") and not first["is_error"]
    assert second["is_error"] and "used their 1 s" in second["content"]
    assert generation.usage.commands == 1 and generation.error is None


def test_an_exec_trial_where_commands_cannot_run_is_an_infra_error(make_model, request_for):
    with LoopbackServer("openai", session_script) as server:
        generation = make_model(server, agent_tools="exec").generate(request_for())  # no grading environment
    assert generation.error_kind == "infra_error" and "no grading environment" in generation.error


def test_generate_trial_writes_what_a_command_made_and_the_transcript_shows_it(make_model, task, grading_env,
                                                                             tmp_path):
    from harness.trials import Trial

    script = [Turn("", (call("run_command", command="printf 'def greet(n):\\n    return n\\n' > extra.py; "
                                                    "echo wrote"),)), Turn("", (call("finish"),))]
    trial = Trial(task.id, task.category, MODEL_IDS["anthropic"], "none", None, None, 1, "h")
    with LoopbackServer("anthropic", script) as server:
        outcome = generate_trial(trial, task, None, tmp_path, make_model(server, agent_tools="exec"), grading_env)
    assert outcome.error is None and "extra.py" in outcome.files
    assert (tmp_path / "files" / "extra.py").read_text() == "def greet(n):\n    return n\n"
    assert outcome.usage["commands"] == 1
    from harness.report_html import transcript_text

    text = transcript_text(json.loads((tmp_path / "transcript.json").read_text()))
    assert "$ printf" in text and "-> exit 0 in" in text and "wrote" in text


def test_files_and_exec_are_different_trial_keys_and_files_keeps_the_old_key(task):
    model = MODEL_IDS["anthropic"]
    plain = resolve_settings(model)
    files = resolve_settings(model, overrides={"agent_tools": "files"})
    exec_ = resolve_settings(model, overrides={"agent_tools": "exec"})
    assert plain.fingerprint() == files.fingerprint() != exec_.fingerprint()
    keys = {name: expand([task], [model], [Arm.NONE], [], 1, {model: s.fingerprint()})[0].key
            for name, s in (("plain", plain), ("files", files), ("exec", exec_))}
    assert keys["plain"] == keys["files"] != keys["exec"]


@pytest.mark.parametrize(("kwargs", "needle"), [
    ({"agent_tools": "shell"}, "--agent-tools shell: use files or exec"),
    ({"agent_tools": "exec", "sandbox": "none"}, "--agent-tools exec runs the model's commands in the grading "
                                                  "sandbox: it needs --sandbox bwrap"),
    ({"agent_tools": "exec", "mode": "single-shot"}, "commands need the agent loop"),
])
def test_bad_agent_tools_are_one_line_user_errors(kwargs, needle, monkeypatch):
    from harness.config import build_config

    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)
    args = {"run_id": "x", "models": [MODEL_IDS["anthropic"]], "arms": None, "skills": None, "tasks": None,
            "epochs": 1, "pg_url": None, "sandbox": "bwrap", "keep_dbs": False, "slots": 1, **kwargs}
    with pytest.raises(UserError) as err:
        build_config(**args)
    assert needle in str(err.value) and "\n" not in str(err.value)


def test_cli_and_eval_toml_reject_a_bad_value_with_one_line_and_exit_2(tmp_path, capsys):
    from harness.cli import main
    from harness.nightly import load_config

    assert main(["run", "--agent-tools", "shell", "--model", "reference"]) == 2
    out = capsys.readouterr()
    lines = [line for line in (out.out + out.err).splitlines() if line.strip()]
    assert len(lines) == 1 and "--agent-tools shell: use files or exec" in lines[0]
    config = tmp_path / "eval.toml"
    config.write_text('[nightly]\nmodels = ["reference"]\nagent_tools = "bash"\n')
    with pytest.raises(UserError, match=r"eval.toml: \[nightly\] agent_tools: must be files or exec \(got 'bash'\)"):
        load_config(config)
    config.write_text('[nightly]\nmodels = ["reference"]\nagent_tools = "exec"\n')
    assert load_config(config).agent_tools == "exec"


def test_reports_name_the_tools_in_the_header_and_each_trial_shows_its_commands():
    import random

    from harness.records import TrialRecord
    from harness.report import markdown
    from harness.report_html import html_report, transcript_text
    from tests.fixtures.synthetic import make_record

    record = make_record("t1", "workflow", "m", "none", None, 1, True, rng=random.Random(1))
    record["usage"].update({"commands": 3, "cached_commands": 1, "command_s": 4.25})
    quiet = make_record("t2", "workflow", "m", "none", None, 1, True, rng=random.Random(2))
    record, quiet = TrialRecord.from_json(record), TrialRecord.from_json(quiet)
    manifest = {"models": ["m"], "arms": ["none"], "epochs": 1, "sandbox": "bwrap", "agent_tools": "exec"}
    md = markdown("r", manifest, [record, quiet])
    assert "agent tools: exec (3 commands in 2 trials, 4.2 s; 1 replayed from the cache)" in md
    page = html_report("r", manifest, [record, quiet])
    assert "exec: 3 command(s) (4.2 s, 1 replayed)" in page and "exec: 0 command(s) (0.0 s)" in page
    plain = {k: v for k, v in manifest.items() if k != "agent_tools"}  # a run from before the choice existed
    assert "agent tools: files" in markdown("r", plain, [quiet]) and "exec:" not in html_report("r", plain, [quiet])
    text = transcript_text([{"turn": 2, "event": "command", "command": "pytest -q", "exit_code": 1,
                             "timed_out": False, "duration_s": 1.5, "output_bytes": 321, "cached": True},
                            {"turn": 3, "event": "command", "command": "sleep 99", "exit_code": None,
                             "timed_out": True, "duration_s": 60.0, "output_bytes": 0, "cached": False}])
    assert "[2] $ pytest -q\n  -> exit 1 in 1.5 s, 321 bytes of output, replayed" in text
    assert "[3] $ sleep 99\n  -> killed (time limit) in 60.0 s" in text


def test_links_and_binaries_a_command_leaves_are_not_kept_and_a_conflict_is_the_models_to_fix(
        make_model, request_for, commands):
    script = [Turn("", (call("run_command", command="ln -s /etc/hostname leak.txt; printf '\\xff\\xfe' > blob.bin; "
                                                    "echo text > pkg"),)),
              Turn("", (call("write_file", path="pkg/mod.py", content="x = 1\n"),)),
              Turn("", (call("run_command", command="ls"),)),
              Turn("", (call("finish"),))]
    with LoopbackServer("anthropic", script) as server:
        generation = make_model(server, agent_tools="exec", cache=False).generate(
            replace(request_for(), commands=commands))
    first, conflict = [e for e in generation.transcript if e.get("role") == "tool" and e["name"] == "run_command"]
    assert "not kept in the result" in first["content"] and "leak.txt" in first["content"]
    assert "blob.bin" in first["content"] and not first["is_error"]
    assert conflict["is_error"] and "could not be written before the command" in conflict["content"]
    assert "leak.txt" not in generation.files and "blob.bin" not in generation.files
    assert generation.files["pkg"] == "text\n" and generation.error is None
