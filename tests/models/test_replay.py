"""``replay:<run>``: an earlier run's generations come back without any API call."""

import json

import pytest

from harness.errors import UserError
from harness.models import make_model
from harness.records import TrialRecord
from harness.results import RunDir, replay_runs
from harness.skills import Arm


def earlier_run(results, task, records):
    run = RunDir(results, "old")
    run.write_manifest({"run_id": "old"})
    for record in records:
        folder = run.files_dir(record["trial_id"])
        folder.mkdir(parents=True)
        (folder / "greet.py").write_text(f"# from {record['trial_id']}\n")
        (run.trial_dir(record["trial_id"]) / "transcript.json").write_text(json.dumps([{"role": "assistant"}]))
        run.append_record(TrialRecord.from_json(record))
    return run


def rec(trial_id, model="anthropic/m", arm="none", skill=None, epoch=1, status="ok", reason=None, **usage):
    return {"trial_id": trial_id, "key": trial_id, "task_id": "greet-workflow", "model": model, "arm": arm,
            "skill": {"label": "s" if skill else None, "hash": skill}, "epoch": epoch, "status": status,
            "reason": reason, "detail": "bad answer" if reason else "",
            "skill_files_read": ["SKILL.md"] if skill else [],
            "usage": {"input_tokens": 10, "output_tokens": 5, "cost_usd": 0.5, "spent_usd": 0.5, "calls": 3, **usage}}


def test_replay_returns_the_matching_generation_with_its_cost_and_spends_nothing(tmp_path, task, skill, request_for):
    earlier_run(tmp_path, task, [rec("a"), rec("b", arm="tool", skill=skill.hash), rec("c", epoch=2)])
    model = make_model(f"replay:{tmp_path}/runs/old", open_run=replay_runs(tmp_path / "elsewhere"))
    tool = model.generate(request_for(Arm.TOOL))
    assert tool.files == {"greet.py": "# from b\n"} and tool.skill_files_read == ("SKILL.md",)
    assert tool.usage.cost_usd == 0.5 and tool.usage.spent_usd == 0 and tool.usage.calls == 0
    assert tool.usage.cached_calls == 3 and tool.transcript[0]["event"] == "replay"
    assert model.generate(request_for(Arm.NONE, epoch=2)).files == {"greet.py": "# from c\n"}
    by_id = make_model("replay:old", open_run=replay_runs(tmp_path))  # a run id works too
    assert by_id.generate(request_for()).files == {"greet.py": "# from a\n"}


def test_a_trial_the_earlier_run_does_not_have_is_an_infra_error_that_says_why(tmp_path, task, request_for):
    earlier_run(tmp_path, task, [rec("a")])
    generation = make_model("replay:old", open_run=replay_runs(tmp_path)).generate(request_for(Arm.INLINE))
    assert generation.error_kind == "infra_error" and "pass the same --skill" in generation.error


def test_an_earlier_model_error_is_replayed_as_a_model_error(tmp_path, task, request_for):
    earlier_run(tmp_path, task, [rec("a", status="model_error", reason="model_output_invalid")])
    generation = make_model("replay:old", open_run=replay_runs(tmp_path)).generate(request_for())
    assert generation.error_kind == "model_error" and generation.error == "bad answer"


def test_several_models_in_the_earlier_run_need_a_choice(tmp_path, task, request_for):
    earlier_run(tmp_path, task, [rec("a"), rec("b", model="openai/x")])
    with pytest.raises(UserError, match="several models"):
        make_model("replay:old", open_run=replay_runs(tmp_path))
    with pytest.raises(UserError, match="no model 'nope'"):
        make_model("replay:old#nope", open_run=replay_runs(tmp_path))
    assert make_model("replay:old#openai/x", open_run=replay_runs(tmp_path)).generate(request_for()).files == {
        "greet.py": "# from b\n"}
