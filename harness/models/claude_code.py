"""``claude-code/<model>``: the Claude Code CLI, headless, as a model backend.

One trial is one CLI session (``claude -p <task prompt> --output-format stream-json --verbose``) on a copy of the
starting app. What the skill arms mean here:

- ``none``: nothing installed; the harness's base system prompt is appended to Claude Code's own.
- ``tool``: the skill version is installed as a real project skill, ``.claude/skills/<name>/`` (SKILL.md and its
  references); Claude Code lists it by name and description and loads it with its ``Skill`` tool when it judges
  it relevant — the ``tool`` arm as users experience it.
- ``tool-forced``: as ``tool``, plus an instruction to load the skill first (an instruction only: the CLI's tools
  cannot be held back until it is loaded, as our own loop does).
- ``index``: as ``tool``, plus the docs index (one line per skill file, with its path under ``.claude/skills``).
- ``inline`` / ``placebo``: nothing installed; the arm's system prompt (the skill, or its placebo) is appended.

Sandbox: the CLI runs in bubblewrap with namespaces of its own, as an unprivileged uid, on a read-only system
(/usr, /etc), with the workspace at ``/workspace``, a private /tmp (256 MB) and home (64 MB), the grading
runtime's venv first on PATH (so ``python`` has the graded dbos; DBOS falls back to SQLite without
``DBOS_SYSTEM_DATABASE_URL``), and no /root, checkout or results folder. Its network namespace has only
loopback; the one way out is the model API: ``claude_code_forward.py`` listens on 127.0.0.1 inside and passes
each connection to ``claude_code_proxy.ApiProxy`` through a Unix socket bound in. A socket file is a path, not a
route: nothing else is reachable, whatever the agent's commands try. The proxy adds the real key (the CLI holds a
dummy one, so nothing in the sandbox ever sees the key), retries transient failures (the CLI's own retries are
off) and counts every response's tokens. Tools: only Read, Write, Edit, Glob, Grep, Bash and Skill are offered
(``--tools``) and allowed (``acceptEdits``); no MCP servers; settings from the workspace only
(``--setting-sources project``); non-essential traffic, telemetry, error reporting and the auto-updater off.
Bounds: the session's wall clock (``session_timeout_s``), ``max_turns`` (``--max-turns``), ``token_budget``
(enforced by the proxy) and the tmpfs sizes; the workspace itself is a host temp dir without a size cap.

Transcript: the CLI's stream-json events become our transcript entries (the start with the CLI's tools and
skills, each assistant message with its tool calls, each tool result, each skill load, the result with its
usage and cost) plus every API exchange the proxy saw; a ``Skill`` call and a ``Read`` of a file under
``.claude/skills/<name>/`` are skill reads. ``usage`` is what the proxy counted (every response, side requests
included), each model's tokens priced with ``harness/prices.toml`` (``claude-code/<model>``, else
``anthropic/<model>``).

Cache: the whole session's outcome (final workspace, transcript, usage, skill reads) is stored under the trial's
key — the CLI version, model, answer-changing parameters, system and user prompt, starting files, arm, skill hash
and epoch — not each API exchange: the CLI's requests carry session ids, dates and tool-call ids that differ on
every run, so exchange-level replay would never hit, and replaying the exchanges would run the tools again. A
rerun therefore makes no API call and starts no CLI; a session killed mid-way is run again from the start.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.models.base import Arm, Generation, GenerationRequest, SkillVersion, Usage
from harness.models.cache import ResponseCache, cache_key
from harness.models.chat import Endpoint, TokenCount
from harness.models.claude_code_proxy import DEFAULT_UPSTREAM, ApiProxy, ProxyLog
from harness.models.pricing import Price
from harness.models.retry import RetryPolicy
from harness.models.settings import ModelSettings

CLAUDE_CODE_VERSION = "2.1.332"  # npm @anthropic-ai/claude-code, installed by `run_eval.py setup`
REPO = Path(__file__).resolve().parent.parent.parent
INSTALL_DIR = REPO / ".cache" / "claude-code"
CLI_ENV = "DBOS_EVAL_CLAUDE_CODE"  # path of another `claude` executable
FORWARDER = Path(__file__).resolve().parent / "claude_code_forward.py"
INSIDE_WORKSPACE = "/workspace"
INSIDE_PORT = 8080
ALLOWED_TOOLS = ("Read", "Write", "Edit", "Glob", "Grep", "Bash", "Skill")  # offered (--tools) and allowed
DUMMY_KEY = "sk-ant-sandbox-dummy-key"  # what the CLI holds; the proxy swaps in the real key
MAX_FILE_BYTES = 200_000
MAX_FILES = 200
SKIP_DIRS = frozenset({".claude", "__pycache__", ".git", ".pytest_cache"})
RESULT_CHARS = 4000  # a tool result is cut to this in the transcript


def find_cli() -> Path | None:
    """The `claude` executable: ``$DBOS_EVAL_CLAUDE_CODE``, else the one `setup` installed under .cache/."""
    override = os.environ.get(CLI_ENV)
    candidate = Path(override) if override else INSTALL_DIR / "node_modules" / ".bin" / "claude"
    return candidate.resolve() if candidate.is_file() and os.access(candidate, os.X_OK) else None


def install_skill(workspace: Path, skill: SkillVersion) -> None:
    root = workspace / ".claude" / "skills" / skill.name
    for rel, text in skill.files:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def appended_prompt(request: GenerationRequest) -> str:
    """What goes after Claude Code's own system prompt for the request's arm (see the module docstring). Built
    from the arm's own system prompt (``harness.prompts``): its first paragraph is the base prompt, and the index
    arm's lines ``- <file>: <summary>`` are the docs index; our loop's read_skill_file is never mentioned."""
    skill, arm = request.skill, request.arm
    base, _, rest = request.system_prompt.partition("\n\n")
    if skill is None or arm is Arm.NONE or arm is Arm.TOOL:
        return base
    if arm is Arm.TOOL_FORCED:
        return f"{base}\n\nBefore you do anything else, load the {skill.name} skill with the Skill tool."
    if arm is Arm.INDEX:
        index = "\n".join(line for line in rest.splitlines() if line.startswith("- "))
        return (f"{base}\n\nDocs index of the agent skill {skill.name} (its files are under "
                f".claude/skills/{skill.name}/; read any with the Read tool; prefer reading the relevant file to "
                f"guessing):\n{index}")
    return request.system_prompt  # inline, placebo: the skill (or placebo) text itself


def read_workspace(root: Path) -> dict[str, str]:
    """The text files the session left, without following links or opening anything but regular files
    (the workspace was written by untrusted code); .claude/ and caches are not part of the answer."""
    files: dict[str, str] = {}
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if len(files) >= MAX_FILES or name.endswith(".pyc"):
                continue
            try:
                fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            except OSError:
                continue
            with os.fdopen(fd, "rb") as handle:
                info = os.fstat(handle.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
                    continue
                data = handle.read(MAX_FILE_BYTES + 1)
            try:
                files[rel] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
    return files


@dataclass(frozen=True)
class Session:
    """A parsed stream-json session."""

    transcript: list[dict[str, Any]]
    skill_reads: list[tuple[str, int]]
    result: dict[str, Any] | None  # the final `result` event, None when the CLI never sent one


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def skill_file(call: dict[str, Any], skill_name: str | None) -> str | None:
    """The skill file a tool call loads, if any: ``Skill`` with the skill's name is SKILL.md; a ``Read`` of
    ``.claude/skills/<name>/<rel>`` is ``<rel>``."""
    if not skill_name:
        return None
    args = call.get("input") or {}
    if call.get("name") == "Skill" and str(args.get("skill", "")).split(":")[-1] == skill_name:
        return "SKILL.md"
    marker = f".claude/skills/{skill_name}/"
    path = str(args.get("file_path", ""))
    if call.get("name") == "Read" and marker in path:
        return os.path.normpath(path.split(marker, 1)[1])
    return None


def parse_stream(lines: list[str], skill_name: str | None) -> Session:
    """stream-json events -> transcript entries in the shape of the agent loop's, and the skill reads."""
    transcript: list[dict[str, Any]] = []
    reads: list[tuple[str, int]] = []
    turns: dict[str, int] = {}  # assistant message id -> turn (the CLI may split one message over events)
    calls: dict[str, dict[str, Any]] = {}
    result = None
    for line in lines:
        try:
            event = json.loads(line)
        except ValueError:
            transcript.append({"turn": len(turns), "event": "unparsed_output", "text": line[:2000]})
            continue
        kind = event.get("type")
        message = event.get("message") or {}
        if kind == "system" and event.get("subtype") == "init":
            transcript.append({"turn": 0, "event": "cli_init", "model": event.get("model"),
                               "tools": event.get("tools"), "skills": event.get("skills"),
                               "permission_mode": event.get("permissionMode"), "cli_version":
                               event.get("claude_code_version")})
        elif kind == "assistant":
            turn = turns.setdefault(str(message.get("id")), len(turns) + 1)
            blocks = message.get("content") or []
            tool_calls = [b for b in blocks if b.get("type") == "tool_use"]
            transcript.append({"turn": turn, "role": "assistant", "content": _text(blocks),
                               "tool_calls": [{"id": c.get("id"), "name": c.get("name"),
                                               "arguments": json.dumps(c.get("input"), ensure_ascii=False)}
                                              for c in tool_calls]})
            for c in tool_calls:
                calls[str(c.get("id"))] = {**c, "turn": turn}
                path = skill_file(c, skill_name)
                if path:
                    reads.append((path, turn))
                    transcript.append({"turn": turn, "event": "skill_read", "path": path, "via": c.get("name")})
        elif kind == "user":
            turn = len(turns)
            blocks = message.get("content")
            for block in blocks if isinstance(blocks, list) else []:
                if block.get("type") == "tool_result":
                    call = calls.get(str(block.get("tool_use_id")), {})
                    text = _text(block.get("content"))
                    transcript.append({"turn": turn, "role": "tool", "name": call.get("name"),
                                       "tool_call_id": block.get("tool_use_id"),
                                       "arguments": json.dumps(call.get("input"), ensure_ascii=False),
                                       "content": text[:RESULT_CHARS], "is_error": bool(block.get("is_error"))})
                elif block.get("type") == "text":  # e.g. the skill's body as the CLI injects it
                    transcript.append({"turn": turn, "role": "user", "content": block.get("text", "")[:RESULT_CHARS]})
        elif kind == "result":
            result = event
            transcript.append({"turn": len(turns), "event": "cli_result", "subtype": event.get("subtype"),
                               "is_error": event.get("is_error"), "num_turns": event.get("num_turns"),
                               "stop_reason": event.get("stop_reason"), "usage": event.get("usage"),
                               "cli_cost_usd": event.get("total_cost_usd"),
                               "duration_ms": event.get("duration_ms")})
    return Session(transcript, reads, result)


def runtime_venv() -> Path | None:
    """The grading runtime (a venv with the graded dbos version; built once, cached), so the agent's commands
    run the code as the grader will. None when it cannot be built: the agent then has the system python3."""
    from graders.errors import SetupError
    from graders.runtime import default_cache_dir, ensure_runtime

    try:
        return ensure_runtime(Path(os.environ.get("DBOS_EVAL_CACHE_DIR") or default_cache_dir())).root
    except (SetupError, OSError):
        return None


def bwrap_argv(cli: Path, workspace: Path, socket_dir: Path, env: dict[str, str], inner: list[str],
               venv: Path | None = None) -> list[str]:
    """The bubblewrap command line: own namespaces (network: loopback only), uid 1000, read-only system, the
    workspace, the proxy's socket directory, the CLI's own directory and the runtime venv (read-only); private
    /tmp (256 MB) and home (64 MB); nothing else of the host."""
    argv = ["bwrap", "--unshare-all", "--unshare-user", "--uid", "1000", "--gid", "1000", "--die-with-parent",
            "--new-session", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
    for name in ("bin", "sbin", "lib", "lib64", "lib32"):
        path = Path("/") / name
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            argv += ["--ro-bind", str(path), str(path)]
    argv += ["--ro-bind", str(cli.parent), str(cli.parent),
             "--ro-bind", str(FORWARDER), "/opt/harness/forward.py",
             "--bind", str(workspace), INSIDE_WORKSPACE, "--bind", str(socket_dir), "/run/api",
             "--size", str(256 * 2**20), "--tmpfs", "/tmp", "--size", str(64 * 2**20), "--tmpfs", "/home",
             "--dir", "/home/agent", "--proc", "/proc", "--dev", "/dev",
             "--chdir", INSIDE_WORKSPACE, "--clearenv"]
    if venv is not None:
        argv += ["--ro-bind", str(venv), str(venv)]
    for key, value in env.items():
        argv += ["--setenv", key, value]
    return argv + inner


class ClaudeCodeModel:
    """A real model through the Claude Code CLI (see the module docstring)."""

    def __init__(self, settings: ModelSettings, cache: ResponseCache | None = None, price: Price | None = None,
                 policy: RetryPolicy | None = None, cli: Path | None = None,
                 price_of: Callable[[str], Price | None] | None = None) -> None:
        """``price`` is the model's own; ``price_of(name)`` prices another model the CLI called on the side
        (default: the model's own price)."""
        self.id = settings.model_id
        self.settings = settings
        self.cache = cache
        self.price = price
        self.price_of = price_of or (lambda name: price)
        self.policy = policy or RetryPolicy(max_retries=settings.get("max_retries", 6))
        self.cli = cli or find_cli()
        self.upstream = settings.get("base_url") or os.environ.get("ANTHROPIC_BASE_URL") or DEFAULT_UPSTREAM

    def key(self, request: GenerationRequest) -> str:
        from harness.models.settings import PARAMS

        answer_params = {k: v for k, v in self.settings.params.items() if PARAMS[k][2]}
        body = {"cli": CLAUDE_CODE_VERSION, "params": answer_params, "system": appended_prompt(request),
                "prompt": request.user_prompt, "files": request.files, "arm": str(request.arm)}
        endpoint = Endpoint("claude-code", self.settings.name, self.upstream)
        return cache_key(endpoint, body, request.skill.hash if request.skill else None, request.epoch)

    def generate(self, request: GenerationRequest) -> Generation:
        key = self.key(request)
        stored = self.cache.get(key) if self.cache else None
        if stored is not None:
            return self._replayed(stored)
        if self.cli is None:
            return Generation({}, [{"turn": 0, "event": "stop", "reason": "infra_error"}], error=(
                "Claude Code CLI not installed: run `python run_eval.py setup` (or set DBOS_EVAL_CLAUDE_CODE)"),
                error_kind="infra_error")
        generation = self._session(request)
        if self.cache and generation.error_kind is None:
            self.cache.put(key, {"files": generation.files, "transcript": generation.transcript,
                                 "usage": asdict(generation.usage), "skill_reads": list(generation.skill_reads)})
        return generation

    def _replayed(self, stored: dict[str, Any]) -> Generation:
        fresh = Usage(**stored["usage"])
        usage = Usage(fresh.input_tokens, fresh.output_tokens, fresh.cache_read_tokens, fresh.cache_write_tokens,
                      cost_usd=fresh.cost_usd, calls=0, cached_calls=fresh.calls, retries=0, spent_usd=0.0,
                      priced=fresh.priced)
        reads = tuple((str(p), int(t)) for p, t in stored["skill_reads"])
        transcript = [*stored["transcript"], {"turn": 0, "event": "replayed_from_cache", "api_calls": 0}]
        return Generation(dict(stored["files"]), transcript, usage, tuple(dict.fromkeys(p for p, _ in reads)),
                          skill_reads=reads)

    def _argv(self, request: GenerationRequest) -> list[str]:
        assert self.cli is not None
        argv = [str(self.cli), "-p", request.user_prompt, "--output-format", "stream-json", "--verbose",
                "--model", self.settings.name, "--permission-mode", "acceptEdits",
                "--tools", ",".join(ALLOWED_TOOLS), "--allowedTools", ",".join(ALLOWED_TOOLS),
                "--strict-mcp-config", "--setting-sources", "project",
                "--append-system-prompt", appended_prompt(request)]
        if self.settings.get("max_turns"):
            argv += ["--max-turns", str(self.settings.get("max_turns"))]
        return argv

    def _session(self, request: GenerationRequest) -> Generation:
        s = self.settings
        with tempfile.TemporaryDirectory(prefix="dbos-eval-cc-") as scratch:
            workspace, socket_dir = Path(scratch) / "workspace", Path(scratch) / "api"
            workspace.mkdir()
            socket_dir.mkdir()
            os.chmod(scratch, 0o755)
            for rel, text in request.files.items():
                (workspace / rel).parent.mkdir(parents=True, exist_ok=True)
                (workspace / rel).write_text(text)
            if request.skill is not None and request.arm in (Arm.TOOL, Arm.TOOL_FORCED, Arm.INDEX):
                install_skill(workspace, request.skill)
            venv = runtime_venv()
            port = INSIDE_PORT  # the sandbox's own network namespace: the port is free there
            path = "/usr/local/bin:/usr/bin:/bin"
            env = {"PATH": f"{venv}/bin:{path}" if venv else path, "HOME": "/home/agent", "LANG": "C.UTF-8",
                   "TMPDIR": "/tmp", "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{port}",
                   "ANTHROPIC_API_KEY": DUMMY_KEY, "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
                   "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
                   "CLAUDE_CODE_MAX_RETRIES": "0"}  # the proxy owns retries: each attempt counted and logged
            inner = ["/usr/bin/python3", "/opt/harness/forward.py", str(port), "/run/api/api.sock", "--",
                     *self._argv(request)]
            argv = bwrap_argv(self.cli, workspace, socket_dir, env, inner, venv)  # type: ignore[arg-type]
            api_key = os.environ.get("ANTHROPIC_API_KEY")
            started = time.perf_counter()
            with ApiProxy(str(socket_dir / "api.sock"), self.upstream, api_key, self.policy,
                          s.get("token_budget"), s.get("timeout_s", 300.0)) as proxy:
                try:
                    done = subprocess.run(argv, capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"},
                                          timeout=s.get("session_timeout_s", 1800), check=False,
                                          start_new_session=True)
                    stdout, stderr, code, timed_out = done.stdout, done.stderr, done.returncode, False
                except subprocess.TimeoutExpired as exc:
                    stdout = _decoded(exc.stdout)
                    stderr, code, timed_out = _decoded(exc.stderr), None, True
            wall = time.perf_counter() - started
            files = read_workspace(workspace)
        return self._outcome(request, proxy.log, stdout, stderr, code, timed_out, wall, files, venv)

    def _outcome(self, request: GenerationRequest, log: ProxyLog, stdout: str, stderr: str, code: int | None,
                 timed_out: bool, wall: float, files: dict[str, str], venv: Path | None) -> Generation:
        name = request.skill.name if request.skill and request.arm in (Arm.TOOL, Arm.TOOL_FORCED, Arm.INDEX) else None
        session = parse_stream([ln for ln in stdout.splitlines() if ln.strip()], name)
        start = {"turn": 0, "event": "start", "model": self.id, "mode": "claude-code", "arm": str(request.arm),
                 "cli_version": CLAUDE_CODE_VERSION, "tools": list(ALLOWED_TOOLS),
                 "skill_installed": name is not None, "runtime_venv": str(venv) if venv else None,
                 "params": dict(self.settings.params)}
        transcript = [start, {"turn": 0, "role": "system", "content": appended_prompt(request)},
                      {"turn": 0, "role": "user", "content": request.user_prompt}, *session.transcript]
        last_turn = max((e["turn"] for e in transcript), default=0)
        transcript.append({"turn": last_turn, "event": "api_exchanges", "exchanges": log.exchanges,
                           "tokens_by_model": {m: asdict(t) for m, t in log.by_model.items()}})
        error = kind = None
        result = session.result or {}
        if log.failure:
            stop, error, kind = "infra_error", log.failure, "infra_error"
        elif log.budget_spent:
            stop = "token_budget"
        elif timed_out:
            stop = "timeout"
        elif session.result is None:
            stop, kind = "infra_error", "infra_error"
            error = f"claude-code exited {code} without a result: {stderr.strip()[-500:]}"
        elif result.get("subtype") == "error_max_turns":
            stop = "turn_limit"
        else:
            stop = "finish" if result.get("subtype") == "success" else str(result.get("subtype"))
        transcript.append({"turn": last_turn, "event": "stop", "reason": stop, "exit_code": code,
                           "wall_s": round(wall, 3), **({"stderr": stderr[-2000:]} if stderr.strip() else {})})
        tokens: TokenCount = log.tokens
        prices = {name: self.price if name == self.settings.name else self.price_of(name) for name in log.by_model}
        cost = sum(p.cost(log.by_model[name]) for name, p in prices.items() if p is not None)
        usage = Usage(tokens.input, tokens.output, tokens.cache_read, tokens.cache_write, cost_usd=cost,
                      calls=log.calls, retries=log.retries, spent_usd=cost,
                      priced=self.price is not None and all(p is not None for p in prices.values()))
        reads = tuple(session.skill_reads)
        return Generation(files if kind is None else {}, transcript, usage,
                          tuple(dict.fromkeys(p for p, _ in reads)), error, kind, skill_reads=reads)


def _decoded(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data if isinstance(data, str) else data.decode("utf-8", "replace")


def missing_prerequisite() -> str | None:
    """What this backend lacks on this machine, in one line, or None."""
    if find_cli() is None:
        return (f"the Claude Code CLI is not installed (run `python run_eval.py setup`, which installs "
                f"@anthropic-ai/claude-code@{CLAUDE_CODE_VERSION} under .cache/claude-code, or set {CLI_ENV})")
    if shutil.which("bwrap") is None:
        return "bubblewrap is not installed (apt-get install -y bubblewrap): the CLI runs only sandboxed"
    return None
