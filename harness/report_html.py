"""report.html: one self-contained file (inline CSS, inline SVG plots, a few lines of inline script for the
trial filter; no network) with everything report.md has plus the task x arm heat map and a drill-down of
every trial: prompt, diff against the starting app, test output, violations, transcript, skill files read.
"""

from __future__ import annotations

import difflib
import json
import math
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from harness import analysis, audits, plots
from harness.analysis import NONE
from harness.records import TrialRecord
from harness.report_format import (
    ACTIVATION_NOTE,
    CONTENT_NOTE,
    POWER_NOTE,
    activation_md,
    failed_trials_table,
    failures_table,
    headline,
    rates_table,
    rules_pivot,
    uplift_table,
    usage_md,
    violation_verdict,
    violations_table,
)

LIMITS = {"diff": 12_000, "log": 6_000, "transcript": 10_000, "prompt": 8_000}

CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0 auto;max-width:1200px;padding:16px 24px;
color:#1d1d1f;line-height:1.45}
h1{font-size:1.5em}h2{margin-top:2em;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:13px}th,td{border:1px solid #ddd;padding:3px 7px;text-align:left;
vertical-align:top}th{background:#f4f4f6}
.meta{color:#555}.note{color:#555;font-size:13px;max-width:900px}.headline li{margin:4px 0}
.matrix td.cell{text-align:center;min-width:44px}
details.trial{border:1px solid #e3e3e3;border-radius:4px;margin:3px 0;padding:2px 8px}
details.trial>summary{cursor:pointer;font-family:ui-monospace,monospace;font-size:12.5px}
details.task{margin:4px 0}
.pass{color:#1a7f37}.fail{color:#cf222e}.infra{color:#9a6700}
pre{background:#f6f8fa;padding:8px;overflow:auto;max-height:420px;font-size:12px;white-space:pre-wrap}
pre .add{color:#1a7f37}pre .del{color:#cf222e}pre .hunk{color:#8250df}
.controls{margin:8px 0}.controls input{width:320px}
.verdict{font-size:1.15em;padding:8px 12px;border-radius:6px;display:inline-block}
.verdict.regressed{background:#ffebe9}.verdict.improved{background:#dafbe1}.verdict.unchanged{background:#f4f4f6}
"""

SCRIPT = """
(function () {
  var text = document.getElementById('trial-filter');
  var status = document.getElementById('trial-status');
  var count = document.getElementById('trial-count');
  if (!text || !status || !count) { return; }
  function apply() {
    var q = text.value.toLowerCase(), s = status.value, shown = 0;
    document.querySelectorAll('details.trial').forEach(function (d) {
      var ok = (!q || d.dataset.search.indexOf(q) >= 0) && (s === 'all' || d.dataset.result === s);
      d.style.display = ok ? '' : 'none';
      if (ok) { shown += 1; }
    });
    count.textContent = String(shown);
  }
  text.addEventListener('input', apply);
  status.addEventListener('change', apply);
  apply();
})();
"""


def page(title: str, body: list[str], script: bool = False) -> str:
    js = f"<script>{SCRIPT}</script>" if script else ""
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
            f'<body>{"".join(body)}{js}</body></html>\n')


def table(df: pd.DataFrame) -> str:
    if df.empty:
        return "<p class='note'>(none)</p>"
    return df.to_html(index=False, border=0, escape=True, na_rep="-")


def rate_color(rate: float) -> str:
    """Red (0%) through yellow to green (100%), light enough for black text."""
    hue = 120 * max(0.0, min(1.0, rate))
    return f"hsl({hue:.0f},70%,80%)"


def matrix_html(df: pd.DataFrame) -> str:
    cells = analysis.task_matrix(df)
    if cells.empty:
        return "<p class='note'>(no graded trials)</p>"
    columns = sorted({(m, v) for m, v in zip(cells.model, cells.variant, strict=True)},
                     key=lambda mv: (mv[0], mv[1] != NONE, mv[1]))
    by = {(r.task_id, r.model, r.variant): r for r in cells.itertuples()}
    categories = df.drop_duplicates("task_id").set_index("task_id").category
    head = "".join(f"<th>{escape(m)}<br>{escape(v)}</th>" for m, v in columns)
    rows = []
    for task in sorted(cells.task_id.unique()):
        tds = []
        for m, v in columns:
            c = by.get((task, m, v))
            tds.append("<td class='cell'>-</td>" if c is None else
                       f"<td class='cell' style='background:{rate_color(c.rate)}' title='{c.rate:.0%}'>"
                       f"{int(c.sum)}/{int(c.count)}</td>")
        rows.append(f"<tr><td><a href='#task-{escape(task)}'>{escape(task)}</a></td>"
                    f"<td>{escape(str(categories.get(task, '-')))}</td>{''.join(tds)}</tr>")
    return f"<table class='matrix'><tr><th>task</th><th>category</th>{head}</tr>{''.join(rows)}</table>"


def rate_plot(arms: pd.DataFrame) -> str:
    rows = [plots.Interval(f"{a.model} · {a.variant}", a.rate.value, a.rate.lo, a.rate.hi,
                           plots.PALETTE[0] if a.variant == NONE else plots.PALETTE[1], f"({a.passed}/{a.trials})")
            for a in arms.itertuples()]
    return plots.interval_plot(rows, title="Pass rate per model and arm, 95% interval")


def uplift_plot(uplift: pd.DataFrame, per_category: bool) -> str:
    part = uplift[(uplift.category != "all") if per_category else (uplift.category == "all")]
    rows = []
    for u in part.itertuples():
        d = u.result.difference
        label = f"{u.model} · {u.variant}" + (f" · {u.category}" if per_category else "")
        color = plots.PALETTE[2] if d.value > 0 else (plots.PALETTE[3] if d.value < 0 else "#999")
        rows.append(plots.Interval(label, d.value, d.lo, d.hi, color,
                                   f"({u.result.improved} better, {u.result.worsened} worse)"))
    return plots.interval_plot(rows, title="Skill uplift: arm minus none, paired by task", lo=-1, hi=1, zero=0)


def violations_plot(uplift: pd.DataFrame) -> str:
    """The change in the share of trials with a rule violation, skill arm minus none (red: more violations)."""
    rows = []
    for u in uplift[uplift.category == "all"].itertuples():
        d = u.violations.difference
        verdict = violation_verdict(u.violations)
        color = plots.PALETTE[3] if d.value > 0 else (plots.PALETTE[2] if d.value < 0 else "#999")
        rows.append(plots.Interval(f"{u.model} · {u.variant}", d.value, d.lo, d.hi, color, f"({verdict})"))
    return plots.interval_plot(rows, title="Rule-violation rate: arm minus none, paired by task", lo=-1, hi=1, zero=0)


def rules_plot(rules: pd.DataFrame) -> str:
    models = rules.model.nunique()
    order = sorted(rules.variant.unique(), key=lambda v: (v != NONE, v))
    colors = {v: plots.PALETTE[i % len(plots.PALETTE)] for i, v in enumerate(order)}
    groups = []
    for (model, rule), part in rules.groupby(["model", "rule"], sort=True):
        rates = dict(zip(part.variant, part.rate, strict=True))
        groups.append((f"{model} · {rule}" if models > 1 else rule, [(v, rates.get(v, math.nan)) for v in order]))
    return plots.grouped_bars(groups, title="Trials violating each rule, per arm", colors=colors, label_width=260)


def section(title: str, *parts: str, anchor: str = "") -> str:
    ident = f" id='{anchor}'" if anchor else ""
    return f"<h2{ident}>{escape(title)}</h2>" + "".join(parts)


def note(text: str) -> str:
    return f"<p class='note'>{escape(text)}</p>"


def html_report(run_id: str, manifest: dict[str, Any], records: list[TrialRecord],
                run_root: Path | None = None, result: analysis.RunAnalysis | None = None) -> str:
    result = result or analysis.analyze(records)
    df = result.trials
    body = [f"<h1>dbos-skill-eval run <code>{escape(run_id)}</code></h1>",
            f"<p class='meta'>Models: {escape(', '.join(manifest.get('models', [])))} · arms: "
            f"{escape(', '.join(manifest.get('arms', [])))} · epochs: {escape(str(manifest.get('epochs')))} · "
            f"trials: {len(df)} · sandbox: {escape(str(manifest.get('sandbox')))} · "
            f"{escape(tools_line(manifest, records))} · dbos "
            f"{escape(str(manifest.get('dbos_runtime', '?')))} · git "
            f"{escape((manifest.get('git_revision') or 'unknown')[:12])} · started "
            f"{escape(str(manifest.get('started_at', '?')))}</p>"]
    if df.empty:
        return page(f"run {run_id}", body + ["<p>No trials recorded.</p>"])
    arms, uplift, rules = result.arms, result.uplift, result.rules
    if not uplift.empty:
        items = "".join(f"<li>{escape(line.strip().removeprefix('- ').replace('**', ''))}</li>"
                        for line in headline(uplift, content=result.content))
        body.append(section("Skill uplift", f"<ul class='headline'>{items}</ul>"))
    power = "".join(f"<li>{escape(p.model)} · {escape(p.variant)}: {escape(p.power.sentence(result.test))}</li>"
                    for p in result.power.itertuples())
    body.append(section("Power", f"<ul class='headline'>{power}</ul>", note(POWER_NOTE)))
    body.append(section(
        "Pass rate per model and arm", rate_plot(arms),
        note("95% intervals: Wilson when every task ran once; otherwise a bootstrap over tasks. Infra errors are "
             "excluded from every denominator; model errors count as failures. Tokens and seconds per trial: "
             "what the arm costs beside what it buys."), table(rates_table(arms, result.usage))))
    if not uplift.empty:
        body.append(section(
            "Skill uplift (arm minus none, paired by task)", uplift_plot(uplift, False),
            note(f"Per task: pass rate with the skill minus without (mean over epochs). Interval: bootstrap over "
                 f"tasks (optimistic under ~10 tasks). p: three paired tests on the per-task differences; the "
                 f"{result.test} test decides (the sign test counts only directions). Score: the same pairing on "
                 f"the trial score."),
            table(uplift_table(uplift, False)), "<h3>Rule violations with and without the skill</h3>",
            violations_plot(uplift),
            note("Share of graded trials with at least one rule violation, paired by task; more violations with "
                 "the skill is a regression of its own."), table(violations_table(uplift)),
            "<h3>Per category</h3>", uplift_plot(uplift, True), table(uplift_table(uplift, True))))
    if not result.content.empty:
        body.append(section("Content effect (skill arm minus placebo, paired by task)", note(CONTENT_NOTE),
                            table(uplift_table(result.content, False, base="placebo"))))
    if not result.activation.empty:
        body.append(section("Skill activation by arm", note(ACTIVATION_NOTE),
                            table(activation_md(result.activation))))
    if rules.empty:
        body.append(section("Rule violations", note("No rule violations.")))
    else:
        body.append(section("Rule violations", rules_plot(rules),
                            note("Share of graded trials violating the rule; for skill arms the change against none "
                                 "and the sign test over tasks."), table(rules_pivot(rules))))
    body.append(section("Failures: hidden tests vs durability", table(failures_table(arms, df))))
    body.append(section("Task x arm matrix (passed/graded trials)", matrix_html(df)))
    body.append(section("Tokens, cost and time per arm", table(usage_md(result.usage))))
    body.append(audits.html(audits.audit(df, records)))
    infra = df[df.status == "infra_error"]
    if not infra.empty:
        body.append(section(f"Infra errors ({len(infra)}, not counted as model failures)",
                            table(infra[["trial_id", "reason", "detail"]])))
    failed, n_failed = failed_trials_table(df, limit=50, records=records, run_root=run_root)
    if n_failed:
        body.append(section(f"Failed trials ({n_failed})", table(failed)))
    tasks_dir = Path(manifest.get("tasks_dir") or Path(__file__).resolve().parent.parent / "tasks")
    body.append(section("Tasks", tasks_html(sorted(df.task_id.unique()), tasks_dir), anchor="tasks"))
    body.append(section("Trials", trials_html(records, run_root, tasks_dir, agent_tools(manifest)), anchor="trials"))
    return page(f"run {run_id}", body, script=True)


def write_html(run_root: Path, run_id: str, manifest: dict[str, Any], records: list[TrialRecord],
               result: analysis.RunAnalysis | None = None) -> Path:
    path = run_root / "report.html"
    path.write_text(html_report(run_id, manifest, records, run_root, result))
    return path


# ---- drill-down ----

def _clip(text: str, limit: int, tail: bool = False) -> str:
    if len(text) <= limit:
        return text
    cut = len(text) - limit
    return f"[... {cut} characters cut ...]\n{text[-limit:]}" if tail else f"{text[:limit]}\n[... {cut} characters cut]"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return None


def _tree(root: Path) -> dict[str, str]:
    if not root.is_dir():
        return {}
    return {f.relative_to(root).as_posix(): _read(f) or "" for f in sorted(root.rglob("*"))
            if f.is_file() and "__pycache__" not in f.parts}


def tasks_html(task_ids: list[str], tasks_dir: Path) -> str:
    out = []
    for task in task_ids:
        prompt = _read(tasks_dir / task / "prompt.md")
        files = _tree(tasks_dir / task / "app")
        body = (f"<pre>{escape(_clip(prompt, LIMITS['prompt']))}</pre>" if prompt is not None
                else f"<p class='note'>prompt not found under {escape(str(tasks_dir / task))}</p>")
        listing = ", ".join(escape(f) for f in files) or "-"
        out.append(f"<details class='task' id='task-{escape(task)}'><summary>{escape(task)}</summary>{body}"
                   f"<p class='note'>starting app: {listing}</p></details>")
    return "".join(out)


def diff_html(start: dict[str, str], generated: dict[str, str]) -> str:
    chunks: list[str] = []
    for rel in sorted(set(start) | set(generated)):
        before, after = start.get(rel), generated.get(rel)
        if before == after:
            continue
        lines = difflib.unified_diff((before or "").splitlines(), (after or "").splitlines(),
                                     "/dev/null" if before is None else f"a/{rel}",
                                     "/dev/null" if after is None else f"b/{rel}", lineterm="", n=2)
        chunks.extend(lines)
    text = _clip("\n".join(chunks), LIMITS["diff"])
    if not text:
        return "<p class='note'>no change against the starting app</p>"
    out = []
    for line in text.splitlines():
        cls = "add" if line.startswith("+") else "del" if line.startswith("-") else "hunk" if line.startswith("@@") \
            else ""
        out.append(f"<span class='{cls}'>{escape(line)}</span>" if cls else escape(line))
    return "<pre>" + "\n".join(out) + "</pre>"


def agent_tools(manifest: dict[str, Any]) -> str:
    """The run's agent tools (``files`` for runs from before the choice existed)."""
    return str(manifest.get("agent_tools") or "files")


def tools_line(manifest: dict[str, Any], records: list[TrialRecord]) -> str:
    """``agent tools: exec (12 commands in 30 trials, 41.2 s; 0 replayed)`` for the report headers."""
    tools = agent_tools(manifest)
    if tools != "exec":
        return f"agent tools: {tools}"
    usage = [r.usage for r in records]
    commands = sum(int(u.get("commands") or 0) for u in usage)
    seconds = sum(float(u.get("command_s") or 0.0) for u in usage)
    replayed = sum(int(u.get("cached_commands") or 0) for u in usage)
    return (f"agent tools: exec ({commands} commands in {len(records)} trials, {seconds:.1f} s; "
            f"{replayed} replayed from the cache)")


def commands_note(r: TrialRecord, tools: str = "files") -> str:
    """One trial's tools and commands, for its summary line: ``exec: 3 command(s) (4.1 s)``; empty for files."""
    usage = r.usage
    if tools != "exec" and not usage.get("commands"):
        return ""
    replayed = f", {usage['cached_commands']} replayed" if usage.get("cached_commands") else ""
    return f"exec: {usage.get('commands') or 0} command(s) ({float(usage.get('command_s') or 0):.1f} s{replayed})"


def transcript_text(entries: Any) -> str:
    """The transcript as text: each message as ``[turn] role: content`` (a tool result with its tool's name and
    arguments, an assistant turn with its tool calls), each event (start, retry, skill read, stop) as
    ``[turn] event: key=value ...``."""
    if not isinstance(entries, list):
        return json.dumps(entries, indent=1, default=str)
    out = []
    for t in entries:
        if not isinstance(t, dict):
            continue
        turn = f"[{t['turn']}] " if "turn" in t else ""
        if t.get("event") == "command":
            state = "killed (time limit)" if t.get("timed_out") else f"exit {t.get('exit_code')}"
            replay = ", replayed" if t.get("cached") else ""
            out.append(f"{turn}$ {t.get('command')}\n  -> {state} in {t.get('duration_s')} s, "
                       f"{t.get('output_bytes')} bytes of output{replay}")
        elif "role" in t:
            content = t.get("content")
            text = content if isinstance(content, str) else "" if content is None else json.dumps(content, default=str)
            who = f"{t['role']} {t['name']}({t.get('arguments') or ''})" if t["role"] == "tool" and t.get("name") \
                else t["role"]
            calls = "".join(f"\n  -> {c.get('name')}({c.get('arguments') or ''})" for c in t.get("tool_calls") or []
                            if isinstance(c, dict))
            out.append(f"{turn}{who}: {text}{calls}")
        elif "event" in t:
            rest = " ".join(f"{k}={json.dumps(v, default=str) if not isinstance(v, str) else v}"
                            for k, v in t.items() if k not in ("turn", "event"))
            out.append(f"{turn}{t['event']}: {rest}".rstrip())
    return "\n\n".join(out)


def _transcript(path: Path) -> str:
    raw = _read(path)
    if raw is None:
        return ""
    try:
        text = transcript_text(json.loads(raw))
    except (json.JSONDecodeError, TypeError):
        text = raw
    return _clip(text, LIMITS["transcript"])


def trial_body(r: TrialRecord, folder: Path | None, start: dict[str, str], tools: str = "files") -> str:
    note = commands_note(r, tools)
    parts = [f"<p>task <a href='#task-{escape(r.task_id)}'>{escape(r.task_id)}</a> · score "
             f"{escape(str(r.score))} · generation {r.generation_s:.1f} s · grading "
             f"{r.grading_s:.1f} s · tokens {r.usage.get('input_tokens', 0)} in / "
             f"{r.usage.get('output_tokens', 0)} out · ${r.usage.get('cost_usd', 0)}"
             + (f" · {escape(note)}" if note else "") + "</p>"]
    if r.detail:
        parts.append(f"<p>{escape(r.detail)}</p>")
    checks = [f"<li>{escape(c.get('name') or '?')}: {'passed' if c.get('passed') else 'failed'} "
              f"{escape(c.get('reason') or '')} {escape(c.get('detail') or '')}</li>" for c in r.checks]
    durability = [f"<li>durability {escape(p['name'])}: {'ok' if p.get('passed') else 'FAILED'} "
                  f"{escape(p.get('detail') or '')}</li>" for p in r.durability_parts]
    failing = [f"<li>failing test {escape(t)}</li>" for t in r.failing_tests]
    if checks or durability or failing:
        parts.append(f"<ul>{''.join(checks + failing + durability)}</ul>")
    violations = r.violations
    if violations:
        rows = "".join(f"<tr><td>{escape(v['rule'])}</td><td>{escape(v['severity'])}</td><td>{escape(v['path'])}:"
                       f"{v['line']}</td><td>{escape(v['message'])}</td></tr>" for v in violations)
        parts.append(f"<table><tr><th>rule</th><th>severity</th><th>where</th><th>message</th></tr>{rows}</table>")
    reads = r.skill_files_read
    parts.append(f"<p>skill files read: {escape(', '.join(reads)) if reads else 'none'}</p>")
    if folder is None or not folder.is_dir():
        parts.append("<p class='note'>no trial folder (generated files and logs not available)</p>")
        return "".join(parts)
    files = _tree(folder / "files")
    parts.append("<h4>Diff against the starting app</h4>" + (diff_html(start, files) if start else
                 "<p class='note'>starting app not available; generated files:</p>" + diff_html({}, files)))
    logs = folder / ("logs" if (r.attempts or 1) <= 1 else f"logs.attempt{r.attempts}")
    for check in r.checks:
        text = _read(logs / check["log"]) if check.get("log") else None
        if text:
            shown = escape(_clip(text, LIMITS["log"], tail=True))
            parts.append(f"<h4>{escape(check['name'])} output</h4><pre>{shown}</pre>")
    transcript = _transcript(folder / "transcript.json")
    if transcript:
        parts.append(f"<h4>Transcript</h4><pre>{escape(transcript)}</pre>")
    return "".join(parts)


def trials_html(records: list[TrialRecord], run_root: Path | None, tasks_dir: Path, tools: str = "files") -> str:
    starts: dict[str, dict[str, str]] = {}
    items = []
    for r in sorted(records, key=lambda r: (r.task_id, r.model, r.arm, r.epoch)):
        if r.task_id not in starts:
            starts[r.task_id] = _tree(tasks_dir / r.task_id / "app")
        result = "infra" if r.status == "infra_error" else ("passed" if r.passed else "failed")
        cls = {"infra": "infra", "passed": "pass", "failed": "fail"}[result]
        variant = analysis.variant_of(r.arm, r.skill_label)
        tests = r.tests
        summary = (f"<span class='{cls}'>{result.upper()}</span> {escape(r.trial_id)} · "
                   f"{escape(r.reason or r.status)}"
                   + (f" · tests {tests['passed']}/{tests['total']}" if tests else "")
                   + (" · not durable" if (r.durability or {}).get("passed") is False else "")
                   + (f" · {len(r.violations)} violation(s)" if r.violations else "")
                   + (f" · {escape(commands_note(r, tools))}" if commands_note(r, tools) else ""))
        search = " ".join([r.trial_id, r.task_id, r.model, variant, r.reason or "", r.status,
                           *[v["rule"] for v in r.violations]]).lower()
        folder = run_root / "trials" / r.trial_id if run_root else None
        items.append(f"<details class='trial' data-result='{result}' data-search='{escape(search)}'>"
                     f"<summary>{summary}</summary>{trial_body(r, folder, starts[r.task_id], tools)}</details>")
    controls = ("<div class='controls'><input id='trial-filter' type='search' placeholder='filter: task, model, arm, "
                "rule, reason'> <select id='trial-status'><option value='all'>all</option><option value='failed'>"
                "failed</option><option value='passed'>passed</option><option value='infra'>infra errors</option>"
                f"</select> <span id='trial-count'>{len(records)}</span> shown</div>")
    return controls + "".join(items)
