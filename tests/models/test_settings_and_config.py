"""Model ids, parameters (harness/models.toml, --param) and the run configuration of real models."""

import pytest

from harness.config import build_config
from harness.errors import UserError
from harness.models import ignores_prompt, make_model
from harness.models.settings import parse_model_id, parse_param, resolve_settings
from harness.results import replay_runs
from harness.trials import Trial


def config(**kw):
    args = dict(run_id="r", models=None, arms=None, skills=None, tasks=None, epochs=1, pg_url=None, sandbox="none",
                keep_dbs=False, slots=1)
    return build_config(**{**args, **kw})


@pytest.mark.parametrize("model_id", ["gpt-9", "anthropic/", "openai", "mutant:", "replay:", "azure/x"])
def test_an_unknown_model_id_is_a_one_line_error_listing_the_known_forms(model_id):
    with pytest.raises(UserError) as caught:
        parse_model_id(model_id)
    message = str(caught.value)
    assert message.startswith(f"--model {model_id}: unknown model") and "\n" not in message
    assert "anthropic/<model>" in message and "openai-compatible/<name>" in message and "replay:<run>" in message


def test_model_ids_parse_into_kind_and_name():
    assert parse_model_id("anthropic/claude-x") == ("anthropic", "claude-x")
    assert parse_model_id("openai-compatible/qwen/qwen3-coder") == ("openai-compatible", "qwen/qwen3-coder")
    assert parse_model_id("replay:results/runs/a#openai/gpt") == ("replay", "results/runs/a#openai/gpt")
    assert ignores_prompt("reference") and not ignores_prompt("replay:x") and not ignores_prompt("openai/x")


def test_parameters_layer_defaults_provider_model_and_overrides(tmp_path):
    path = tmp_path / "models.toml"
    path.write_text('[defaults]\nmax_tokens = 100\nmax_turns = 5\nthinking = { type = "adaptive" }\n'
                    '[providers.openai]\ndefault_model = "m"\nmax_tokens = 200\n'
                    '[models."openai/m"]\ntemperature = 1\n')
    settings = resolve_settings("openai/m", path=path, overrides={"max_turns": 7})
    assert settings.params == {"max_tokens": 200, "max_turns": 7, "temperature": 1.0}  # thinking: not OpenAI's
    assert settings.fingerprint() != resolve_settings("openai/m", path=path).fingerprint()
    assert settings.fingerprint() == resolve_settings("openai/m", path=path,
                                                      overrides={"max_turns": 7, "timeout_s": 9.0}).fingerprint()
    assert resolve_settings("openai/m", path=path, mode="single-shot").fingerprint() != \
        resolve_settings("openai/m", path=path).fingerprint()
    path.write_text("[defaults]\nmax_tokenz = 1\n")
    with pytest.raises(UserError, match="unknown parameter 'max_tokenz'"):
        resolve_settings("openai/m", path=path)
    path.write_text('[defaults]\nmax_tokens = "lots"\n')
    with pytest.raises(UserError, match="max_tokens must be a int"):
        resolve_settings("openai/m", path=path)


def test_param_flags_are_read_as_toml_values():
    assert parse_param("temperature=0.2") == ("temperature", 0.2)
    assert parse_param("prompt_cache=false") == ("prompt_cache", False)
    assert parse_param('thinking={type="adaptive"}') == ("thinking", {"type": "adaptive"})
    assert parse_param("reasoning_effort=low") == ("reasoning_effort", "low")
    with pytest.raises(UserError, match="KEY one of"):
        parse_param("nonsense=1")


def test_with_keys_set_and_no_model_a_default_model_runs_for_each_key(monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-SECRET")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    cfg = config()
    assert cfg.models == ("anthropic/claude-sonnet-4-6",) and "ANTHROPIC_API_KEY set" in cfg.notices[0]
    assert cfg.model_settings["anthropic/claude-sonnet-4-6"].mode == "agent"
    monkeypatch.setenv("OPENAI_API_KEY", "sk-oai-SECRET")
    assert config().models == ("anthropic/claude-sonnet-4-6", "openai/gpt-5.2")
    manifest = config(models=["openai/gpt-5.2"], max_cost=2.0, mode="single-shot").manifest()
    assert manifest["api_keys_present"] == ["ANTHROPIC_API_KEY", "OPENAI_API_KEY"] and "SECRET" not in str(manifest)
    assert manifest["mode"] == "single-shot" and manifest["max_cost"] == 2.0
    assert manifest["model_settings"]["openai/gpt-5.2"]["reasoning_effort"] == "medium"


def test_without_keys_the_offline_reference_runs(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    cfg = config()
    assert cfg.models == ("reference",) and "No API keys set" in cfg.notices[0]


def test_real_model_prerequisites_are_user_errors(monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(UserError, match="ANTHROPIC_API_KEY is not set"):
        config(models=["anthropic/claude-sonnet-4-6"])
    with pytest.raises(UserError, match="needs --base-url"):
        config(models=["openai-compatible/qwen"])
    with pytest.raises(UserError, match="--base-url is for openai-compatible"):
        config(models=["reference"], base_url="http://localhost:1/v1")
    with pytest.raises(UserError, match="--max-cost"):
        config(models=["reference"], max_cost=0)
    cfg = config(models=["openai-compatible/qwen"], base_url="http://127.0.0.1:9/v1")
    assert cfg.model_settings["openai-compatible/qwen"].params["base_url"] == "http://127.0.0.1:9/v1"


def test_a_real_models_parameters_are_part_of_the_trial_key():
    base = dict(task_id="t", category="c", model="openai/m", arm="none", skill_label=None, skill_hash=None, epoch=1,
                task_hash="h")
    assert Trial(**base).key != Trial(**base, settings="abc").key != Trial(**base, settings="abd").key
    assert Trial.from_dict({k: v for k, v in Trial(**base).to_dict().items() if k != "settings"}) == Trial(**base)


def test_replay_of_a_missing_run_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="not a run"):
        make_model("replay:nope", open_run=replay_runs(tmp_path))


def test_every_run_flag_reaches_the_config_by_its_dest_and_the_manifest_by_its_field(monkeypatch):
    """Adding a ``run`` flag touches the parser, ``build_config`` and ``RunConfig`` only."""
    import inspect

    from harness.cli import build_parser
    from harness.config import NOT_IN_MANIFEST, RunConfig, build_config, config_from_args

    args = build_parser().parse_args(["run", "--model", "reference", "--epochs", "2", "--gen-concurrency", "3",
                                      "--no-cache", "--param", "temperature=0.5", "--sandbox", "none",
                                      "--pg-url", "postgresql://u:SECRET@h/db"])
    assert set(inspect.signature(build_config).parameters) <= set(vars(args))
    cfg = config_from_args(args)
    assert (cfg.epochs, cfg.generation_concurrency, cfg.use_cache, cfg.models) == (2, 3, False, ("reference",))
    manifest = cfg.manifest()
    assert "SECRET" not in str(manifest) and manifest["response_cache"] is False and manifest["epochs"] == 2
    recorded = {f for f in RunConfig.__dataclass_fields__ if f not in NOT_IN_MANIFEST}
    assert len(manifest) == len(recorded) + 1  # every other field, plus api_keys_present
