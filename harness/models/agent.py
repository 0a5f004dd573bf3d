"""The provider-neutral agent loop and its workspace tools; the Model every real provider runs through.

Agent mode: the model sees the task prompt and the starting app and works through tools (list_files, read_file,
write_file, replace_in_file, finish; plus read_skill_file in the arms that offer the skill on demand: ``tool``,
``tool-forced``, ``index``) until it calls finish, stops talking, or runs out of turns or tokens; the final
workspace is what gets graded. With ``agent_tools = "exec"`` the agent also has ``run_command``: a shell command
in the workspace, inside the grading sandbox (``harness.models.exec_tool``); what it writes is part of the
result. Single-shot mode: one answer with whole files in fenced blocks
(``harness.models.single_shot``); in those arms the model may read skill files first. In ``tool-forced`` the
workspace tools answer with an error until SKILL.md has been read, so the forced read happens first. Every model
message, tool call, tool result, retry and skill read goes to the transcript.

Outcomes: a response the model gives that cannot be used, or ``max_tool_errors`` bad tool calls in a row, is a
``model_error`` (its raw text in the transcript); an API that keeps failing, or refuses a request, is an
``infra_error`` (never a model failure; retried on the next run), and so is a command sandbox that cannot be
set up. Responses are cached on disk, so a rerun replays them for free; so are command results (keyed by the
cached response that asked for the command), so a replay runs no command: it applies the recorded output and
file changes, and opens no sandbox unless the conversation leaves the cache.
"""

from __future__ import annotations

import hashlib
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg

from graders.errors import SetupError
from harness.models.base import Arm, Generation, GenerationRequest, SkillVersion, Usage
from harness.models.cache import ResponseCache, cache_key
from harness.models.chat import ApiError, ChatClient, ModelOutputError, Reply, TokenCount, Tool, ToolCall
from harness.models.exec_tool import MAX_COMMAND_CHARS, CommandResult, CommandSession, ExecLimits, WorkspaceError
from harness.models.pricing import Price
from harness.models.retry import RetriesExhausted, RetryPolicy, call_with_retries
from harness.models.settings import ModelSettings
from harness.models.single_shot import clean_path, parse_files

DEFAULT_LIMITS = ExecLimits()
MAX_FILE_CHARS = 200_000  # a file the model writes, and what read_file returns
MAX_FILES = 200
NUDGE = ("Continue with the tools: edit the files to do what is asked, then call finish. If you are done, "
         "call finish.")
AGENT_INSTRUCTIONS = (
    "Work on the workspace with the tools: list_files, read_file, write_file (a whole file), replace_in_file "
    "(an exact text that occurs once) and finish. Edits take effect at once. Call finish when the change is "
    "complete: the workspace as you leave it is graded.")
SINGLE_SHOT_INSTRUCTIONS = (
    "Answer with the complete new content of every file you create or change, each in its own fenced code "
    "block whose opening fence names the file, for example:\n```python path=app.py\n...\n```\nFiles you do "
    "not include stay as they are. Never abbreviate a file.")
EXEC_INSTRUCTIONS = (
    "run_command runs a shell command (bash) in the workspace, which is its working directory: Python with dbos "
    "and pytest installed, a Postgres database in DBOS_SYSTEM_DATABASE_URL, no network. Each command may take "
    "{call_s:.0f} s and all together {total_s:.0f} s; long output is cut in the middle. Files it writes are part "
    "of the workspace.")
SKILL_TOOL_NOTE = "Before answering you may read the skill's files with the read_skill_file tool."

PATH_ARG = {"path": {"type": "string", "description": "path relative to the workspace root, e.g. app.py"}}


def _tool(name: str, description: str, properties: dict[str, Any], required: list[str]) -> Tool:
    return Tool(name, description, {"type": "object", "properties": properties, "required": required})


WORKSPACE_TOOLS = (
    _tool("list_files", "List the files of the workspace with their sizes.", {}, []),
    _tool("read_file", "Read a file of the workspace.", PATH_ARG, ["path"]),
    _tool("write_file", "Create or overwrite a file of the workspace with the complete content given.",
          {**PATH_ARG, "content": {"type": "string", "description": "the whole new content of the file"}},
          ["path", "content"]),
    _tool("replace_in_file", "Replace an exact piece of text in a file. old_text must occur exactly once; "
          "include enough surrounding lines to make it unique.",
          {**PATH_ARG, "old_text": {"type": "string"}, "new_text": {"type": "string"}},
          ["path", "old_text", "new_text"]),
    _tool("finish", "Say that the change is complete. The workspace is graded as it is now.",
          {"summary": {"type": "string", "description": "one or two sentences on what you changed"}}, []),
)
RUN_COMMAND_TOOL = _tool(
    "run_command", "Run a shell command in the workspace (its working directory) and see its exit code and output.",
    {"command": {"type": "string", "description": "a bash command line, e.g. python -c 'import app'"}},
    ["command"])
SKILL_TOOL = _tool(
    "read_skill_file", "Read a file of the agent skill named in the system prompt. Start with SKILL.md; it names "
    "its reference files (paths like references/<topic>.md).",
    {"path": {"type": "string", "description": "SKILL.md or a path it mentions"}}, ["path"])


class CommandsUnavailable(Exception):
    """An exec trial on an executor that cannot run commands: ours, an infra error."""


class ToolError(Exception):
    """A tool call that failed in a way the model can fix (the message goes back to it as the result)."""


class ProtocolError(ToolError):
    """A tool call that breaks the protocol (unknown tool, arguments that are not a JSON object)."""


def tools_for(mode: str, arm: Arm, skill: SkillVersion | None, agent_tools: str = "files") -> list[Tool]:
    skill_tools = [SKILL_TOOL] if arm.reads_skill and skill is not None else []
    exec_tools = [RUN_COMMAND_TOOL] if agent_tools == "exec" else []
    return [*WORKSPACE_TOOLS, *exec_tools, *skill_tools] if mode == "agent" else skill_tools


def first_message(request: GenerationRequest, mode: str, tools: list[Tool], limits: ExecLimits = DEFAULT_LIMITS) -> str:
    files = "\n\n".join(f'<file path="{path}">\n{text}</file>' for path, text in sorted(request.files.items()))
    parts = [request.user_prompt, f"The starting files:\n\n{files}"]
    parts.append(AGENT_INSTRUCTIONS if mode == "agent" else SINGLE_SHOT_INSTRUCTIONS)
    if RUN_COMMAND_TOOL in tools:
        parts.append(EXEC_INSTRUCTIONS.format(call_s=limits.call_s, total_s=limits.total_s))
    if mode != "agent" and tools:
        parts.append(SKILL_TOOL_NOTE)
    return "\n\n".join(parts)


class Workspace:
    """The files the model edits, in memory; generation writes them to the trial folder at the end."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = dict(files)

    def path(self, raw: Any) -> str:
        path = clean_path(raw) if isinstance(raw, str) else None
        if path is None:
            raise ToolError(f"invalid path {raw!r}: use a relative path inside the workspace")
        return path

    def read(self, raw: Any) -> str:
        path = self.path(raw)
        if path not in self.files:
            raise ToolError(f"no such file: {path} (list_files shows the workspace)")
        text = self.files[path]
        return text if len(text) <= MAX_FILE_CHARS else text[:MAX_FILE_CHARS] + "\n[... truncated]"

    def write(self, raw: Any, content: Any) -> str:
        path = self.path(raw)
        if not isinstance(content, str):
            raise ToolError("content must be a string")
        if len(content) > MAX_FILE_CHARS:
            raise ToolError(f"file too large ({len(content)} characters; at most {MAX_FILE_CHARS})")
        if path not in self.files and len(self.files) >= MAX_FILES:
            raise ToolError(f"too many files (at most {MAX_FILES})")
        self.files[path] = content
        return f"wrote {path} ({len(content)} characters)"

    def replace(self, raw: Any, old: Any, new: Any) -> str:
        path = self.path(raw)
        if not isinstance(old, str) or not isinstance(new, str) or not old:
            raise ToolError("old_text (non-empty) and new_text must be strings")
        if path not in self.files:
            raise ToolError(f"no such file: {path} (list_files shows the workspace)")
        count = self.files[path].count(old)
        if count != 1:
            raise ToolError(f"old_text occurs {count} times in {path}; it must occur exactly once")
        return self.write(path, self.files[path].replace(old, new, 1))

    def listing(self) -> str:
        return "\n".join(f"{path} ({len(text)} characters)" for path, text in sorted(self.files.items())) or "(empty)"


@dataclass
class Tally:
    fresh: TokenCount = TokenCount()
    cached: TokenCount = TokenCount()
    calls: int = 0
    cached_calls: int = 0
    retries: int = 0
    commands: int = 0  # run_command calls that ran or were replayed
    cached_commands: int = 0  # ...of which replayed from the response cache (not run)
    command_s: float = 0.0  # their wall time as recorded when they ran

    def usage(self, price: Price | None) -> Usage:
        total = self.fresh + self.cached
        return Usage(total.input, total.output, total.cache_read, total.cache_write,
                     cost_usd=price.cost(total) if price else 0.0, calls=self.calls, cached_calls=self.cached_calls,
                     retries=self.retries, spent_usd=price.cost(self.fresh) if price else 0.0,
                     priced=price is not None, commands=self.commands, cached_commands=self.cached_commands,
                     command_s=round(self.command_s, 3))


@dataclass
class Trajectory:
    """One generation in progress: the conversation, the workspace, and everything the transcript records."""

    request: GenerationRequest
    workspace: Workspace
    transcript: list[dict[str, Any]] = field(default_factory=list)
    skill_reads: list[tuple[str, int]] = field(default_factory=list)
    tally: Tally = field(default_factory=Tally)
    finished: bool = False
    commands: CommandSession | None = None  # opened on the first command that is not replayed
    stack: ExitStack = field(default_factory=ExitStack)
    last_key: str = ""  # the cache key of the latest response: command results are cached under it

    def log(self, turn: int, **entry: Any) -> None:
        self.transcript.append({"turn": turn, **entry})


class ApiModel:
    """A real model: a provider's ``ChatClient`` driven by the agent loop (or single-shot), with retries, the
    response cache and cost accounting."""

    def __init__(self, settings: ModelSettings, client: ChatClient, cache: ResponseCache | None = None,
                 price: Price | None = None, policy: RetryPolicy | None = None) -> None:
        self.id = settings.model_id
        self.settings = settings
        self.client = client
        self.cache = cache
        self.price = price
        self.policy = policy or RetryPolicy(max_retries=settings.get("max_retries", 6))

    def generate(self, request: GenerationRequest) -> Generation:
        run = Trajectory(request, Workspace(request.files))
        tools = self._tools(request)
        run.log(0, event="start", model=self.id, mode=self.settings.mode, arm=str(request.arm),
                tools=[t.name for t in tools], params={k: v for k, v in self.settings.params.items()})
        run.log(0, role="system", content=request.system_prompt)
        error = kind = None
        try:
            with run.stack:
                stop = self._loop(run, tools)
        except RetriesExhausted as exc:
            stop, error, kind = "infra_error", f"model API: {exc}", "infra_error"
        except ApiError as exc:
            stop, error, kind = "infra_error", f"model API refused the request: {exc}", "infra_error"
        except ModelOutputError as exc:
            stop, error, kind = "model_error", str(exc), "model_error"
            run.log(self._turns(run), event="model_error", error=str(exc), raw=exc.raw)
        except (CommandsUnavailable, SetupError, psycopg.Error) as exc:
            stop, error, kind = "infra_error", f"command sandbox: {type(exc).__name__}: {exc}"[:500], "infra_error"
        run.log(self._turns(run), event="stop", reason=stop)
        reads = tuple(dict.fromkeys(path for path, _ in run.skill_reads))
        files = run.workspace.files if kind is None else {}
        return Generation(files, run.transcript, run.tally.usage(self.price), reads, error, kind,
                          skill_reads=tuple(run.skill_reads))

    @property
    def agent_tools(self) -> str:
        return self.settings.get("agent_tools", "files")

    def _tools(self, request: GenerationRequest) -> list[Tool]:
        return tools_for(self.settings.mode, request.arm, request.skill, self.agent_tools)

    @staticmethod
    def _turns(run: Trajectory) -> int:
        return max((e["turn"] for e in run.transcript), default=0)

    def _loop(self, run: Trajectory, tools: list[Tool]) -> str:
        s = self.settings
        limits = run.request.commands.limits if run.request.commands is not None else DEFAULT_LIMITS
        messages: list[dict[str, Any]] = [{"role": "user", "content": first_message(run.request, s.mode, tools,
                                                                                    limits)}]
        run.log(0, role="user", content=messages[0]["content"])
        quiet, bad = 0, 0  # consecutive replies without tool calls; consecutive replies with protocol errors
        for turn in range(1, s.get("max_turns", 30) + 1):
            reply = self._call(run, turn, messages, tools)
            messages.append({"role": "assistant", "content": reply.text,
                             "tool_calls": [asdict(c) for c in reply.tool_calls], "raw": reply.echo})
            if not reply.tool_calls:
                if not s.agent:
                    run.workspace.files.update(parse_files(reply.text, run.workspace.files))
                    return "answered"
                quiet += 1
                if quiet >= 2:
                    return "end_turn"  # it said twice that it has nothing more to do
                messages.append({"role": "user", "content": NUDGE})
                run.log(turn, role="user", content=NUDGE)
            else:
                quiet = 0
                results = [self._run_tool(run, turn, call) for call in reply.tool_calls]
                messages.extend(results)
                protocol = [r for r in results if r.get("protocol_error")]
                bad = bad + 1 if protocol and len(protocol) == len(results) else 0
                if bad >= s.get("max_tool_errors", 3):
                    raise ModelOutputError(f"{bad} consecutive responses broke the tool protocol: "
                                           f"{protocol[-1]['content']}", protocol[-1]["raw"])
                if run.finished:
                    return "finish"
            used = (run.tally.fresh + run.tally.cached).total
            if used >= s.get("token_budget", 400_000):
                return "token_budget"
        return "turn_limit"

    def _call(self, run: Trajectory, turn: int, messages: list[dict[str, Any]], tools: list[Tool]) -> Reply:
        """One model response: from the cache, or from the API with retries; counted and logged."""
        request = run.request
        body = self.client.request_body(request.system_prompt, messages, tools)
        key = cache_key(self.client.endpoint, body, request.skill.hash if request.skill else None, request.epoch)
        started = time.perf_counter()
        raw = self.cache.get(key) if self.cache else None
        cached = raw is not None

        def retried(attempt: int, error: ApiError, wait: float) -> None:
            run.tally.retries += 1
            run.log(turn, event="retry", attempt=attempt, status=error.status, error=str(error), wait_s=round(wait, 3))

        if raw is None:
            raw = call_with_retries(lambda: self.client.send(body), self.policy, retried)
            if self.cache:
                self.cache.put(key, raw)
        reply = self.client.parse(raw)
        run.last_key = key
        if cached:
            run.tally.cached, run.tally.cached_calls = run.tally.cached + reply.tokens, run.tally.cached_calls + 1
        else:
            run.tally.fresh, run.tally.calls = run.tally.fresh + reply.tokens, run.tally.calls + 1
        run.log(turn, role="assistant", content=reply.text,
                tool_calls=[{"id": c.id, "name": c.name, "arguments": c.raw_arguments} for c in reply.tool_calls],
                stop_reason=reply.stop_reason, tokens=asdict(reply.tokens), cached=cached,
                latency_s=round(time.perf_counter() - started, 3), cache_key=key[:16])
        return reply

    def _run_tool(self, run: Trajectory, turn: int, call: ToolCall) -> dict[str, Any]:
        protocol = False
        try:
            content = self._dispatch(run, turn, call)
            is_error = False
        except ToolError as exc:
            content, is_error, protocol = f"error: {exc}", True, isinstance(exc, ProtocolError)
        run.log(turn, role="tool", name=call.name, tool_call_id=call.id, arguments=call.raw_arguments,
                content=content, is_error=is_error)
        result = {"role": "tool", "tool_call_id": call.id, "name": call.name, "content": content, "is_error": is_error}
        return {**result, "protocol_error": True, "raw": call.raw_arguments} if protocol else result

    def _dispatch(self, run: Trajectory, turn: int, call: ToolCall) -> str:
        allowed = {t.name for t in self._tools(run.request)}
        if call.name not in allowed:
            raise ProtocolError(f"unknown tool {call.name!r} (tools: {', '.join(sorted(allowed))})")
        args = call.arguments
        if args is None:
            raise ProtocolError(f"the arguments of {call.name} are not a JSON object: {call.raw_arguments[:200]!r}")
        required = next(t for t in (*WORKSPACE_TOOLS, RUN_COMMAND_TOOL, SKILL_TOOL)
                        if t.name == call.name).parameters["required"]
        missing = [name for name in required if name not in args]
        if missing:
            raise ProtocolError(f"{call.name} needs {', '.join(missing)}")
        ws = run.workspace
        if (run.request.arm is Arm.TOOL_FORCED and call.name != SKILL_TOOL.name
                and not any(path == "SKILL.md" for path, _ in run.skill_reads)):
            raise ToolError("read the skill's SKILL.md with read_skill_file first (this arm requires it)")
        if call.name == "list_files":
            return ws.listing()
        if call.name == "read_file":
            return ws.read(args["path"])
        if call.name == "write_file":
            return ws.write(args["path"], args["content"])
        if call.name == "replace_in_file":
            return ws.replace(args["path"], args["old_text"], args["new_text"])
        if call.name == "finish":
            run.finished = True
            return "finished"
        if call.name == RUN_COMMAND_TOOL.name:
            return self._run_command(run, turn, call, args["command"])
        return self._read_skill(run, turn, args["path"])

    def _run_command(self, run: Trajectory, turn: int, call: ToolCall, command: Any) -> str:
        """Run (or replay from the cache) one command; its file changes go into the workspace."""
        if not isinstance(command, str) or not command.strip():
            raise ToolError("command must be a non-empty string")
        if len(command) > MAX_COMMAND_CHARS:
            raise ToolError(f"command too long ({len(command)} characters; at most {MAX_COMMAND_CHARS}): write a "
                            "script with write_file and run it")
        sandbox = run.request.commands
        limits = sandbox.limits if sandbox is not None else DEFAULT_LIMITS
        left = limits.total_s - run.tally.command_s
        if left <= 0.5:
            raise ToolError(f"the commands of this trial have used their {limits.total_s:.0f} s; no more commands "
                            "(edit with the file tools and finish)")
        key = hashlib.sha256(f"run_command\0{run.last_key}\0{call.id}\0{command}".encode()).hexdigest()
        raw = self.cache.get(key) if self.cache else None
        if raw is not None:
            result = CommandResult.from_json(raw)
        else:
            if sandbox is None:
                raise CommandsUnavailable("this executor has no grading environment to run commands in (a "
                                          "coordinator started with --workers-only, or a worker with --no-grading)")
            if run.commands is None:
                run.commands = run.stack.enter_context(sandbox.session())
            try:
                result = run.commands.run(command, run.workspace.files, min(limits.call_s, left))
            except WorkspaceError as exc:
                raise ToolError(str(exc)) from None
            if self.cache:
                self.cache.put(key, result.to_json())
        ws = run.workspace.files
        ws.update(result.changed)
        for path in result.deleted:
            ws.pop(path, None)
        run.tally.commands += 1
        run.tally.cached_commands += raw is not None
        run.tally.command_s += result.duration_s
        run.log(turn, event="command", command=command, exit_code=result.exit_code, timed_out=result.timed_out,
                duration_s=result.duration_s, output_bytes=result.output_bytes,
                files_changed=sorted(result.changed), files_deleted=list(result.deleted),
                not_kept=list(result.not_kept), cached=raw is not None)
        return result.message()

    @staticmethod
    def _read_skill(run: Trajectory, turn: int, raw: Any) -> str:
        skill = run.request.skill
        assert skill is not None
        files = dict(skill.files)
        path = clean_path(raw) if isinstance(raw, str) else None
        if path and path.startswith(f"{skill.name}/"):
            path = path[len(skill.name) + 1:]
        if path not in files:
            raise ToolError(f"the skill has no file {raw!r}; its files: {', '.join(files)}")
        run.skill_reads.append((path, turn))
        run.log(turn, event="skill_read", path=path)
        return files[path]
