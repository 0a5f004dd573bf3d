"""JUnit XML of a run's trials, for CI systems that read it: one ``<testsuite>`` per model x arm, one
``<testcase>`` per trial. A failed trial is a ``<failure>`` (the model's); an infra error is an ``<error>``
(ours, counted apart, as the report does); nothing is skipped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from harness.analysis import variant_of


def junit_tree(run_id: str, records: list[dict[str, Any]]) -> ET.ElementTree:
    root = ET.Element("testsuites", name=f"dbos-skill-eval {run_id}")
    suites: dict[str, list[dict[str, Any]]] = {}
    for r in sorted(records, key=lambda r: (r["model"], r["arm"], r["task_id"], r.get("epoch", 1))):
        suites.setdefault(f"{r['model']}.{variant_of(r['arm'], (r.get('skill') or {}).get('label'))}", []).append(r)
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for name, members in suites.items():
        suite = ET.SubElement(root, "testsuite", name=name)
        counts = {"tests": len(members), "failures": 0, "errors": 0, "time": 0.0}
        for r in members:
            case = ET.SubElement(suite, "testcase", classname=f"{name}.{r['task_id']}",
                                 name=f"epoch{r.get('epoch', 1)}", time=f"{float(r.get('duration_s') or 0):.3f}")
            counts["time"] += float(r.get("duration_s") or 0)
            message = _message(r)
            if r["status"] == "infra_error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=message, type=r.get("reason") or "infra_error").text = \
                    r.get("detail") or ""
            elif not r.get("passed"):
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=message, type=r.get("reason") or "failed").text = _details(r)
            ET.SubElement(case, "system-out").text = f"trial {r['trial_id']} score {r.get('score')}"
        for key, value in counts.items():
            suite.set(key, f"{value:.3f}" if key == "time" else str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    return ET.ElementTree(root)


def _message(r: dict[str, Any]) -> str:
    parts = [r.get("reason") or r["status"]]
    tests = r.get("tests")
    if tests:
        parts.append(f"tests {tests['passed']}/{tests['total']}")
    if (r.get("durability") or {}).get("passed") is False:
        parts.append("not durable")
    return "; ".join(parts)


def _details(r: dict[str, Any]) -> str:
    lines = [r.get("detail") or ""]
    lines += [f"failing test: {name}" for name in (r.get("tests") or {}).get("failing", [])]
    lines += [f"{p['name']}: {p.get('detail', '')}" for p in (r.get("durability") or {}).get("parts", [])
              if not p.get("passed")]
    lines += [f"{v['rule']} ({v['severity']}) {v['path']}:{v['line']}" for v in r.get("violations") or []]
    return "\n".join(line for line in lines if line)


def write_junit(path: Path, run_id: str, records: list[dict[str, Any]]) -> Path:
    tree = junit_tree(run_id, records)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
