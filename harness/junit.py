"""JUnit XML of a run's trials, for CI systems that read it: one ``<testsuite>`` per model x arm, one
``<testcase>`` per trial. A failed trial is a ``<failure>`` (the model's); an infra error is an ``<error>``
(ours, counted apart, as the report does); nothing is skipped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from harness.analysis import variant_of
from harness.records import TrialRecord


def junit_tree(run_id: str, records: list[TrialRecord]) -> ET.ElementTree:
    root = ET.Element("testsuites", name=f"dbos-skill-eval {run_id}")
    suites: dict[str, list[TrialRecord]] = {}
    for r in sorted(records, key=lambda r: (r.model, r.arm, r.task_id, r.epoch)):
        suites.setdefault(f"{r.model}.{variant_of(r.arm, r.skill_label)}", []).append(r)
    totals = {"tests": 0, "failures": 0, "errors": 0, "time": 0.0}
    for name, members in suites.items():
        suite = ET.SubElement(root, "testsuite", name=name)
        counts = {"tests": len(members), "failures": 0, "errors": 0, "time": 0.0}
        for r in members:
            case = ET.SubElement(suite, "testcase", classname=f"{name}.{r.task_id}",
                                 name=f"epoch{r.epoch}", time=f"{r.duration_s:.3f}")
            counts["time"] += r.duration_s
            message = _message(r)
            if r.status == "infra_error":
                counts["errors"] += 1
                ET.SubElement(case, "error", message=message, type=r.reason or "infra_error").text = r.detail
            elif not r.passed:
                counts["failures"] += 1
                ET.SubElement(case, "failure", message=message, type=r.reason or "failed").text = _details(r)
            ET.SubElement(case, "system-out").text = f"trial {r.trial_id} score {r.score}"
        for key, value in counts.items():
            suite.set(key, f"{value:.3f}" if key == "time" else str(value))
            totals[key] += value
    for key, value in totals.items():
        root.set(key, f"{value:.3f}" if key == "time" else str(value))
    return ET.ElementTree(root)


def _message(r: TrialRecord) -> str:
    parts = [r.reason or r.status]
    tests = r.tests
    if tests:
        parts.append(f"tests {tests['passed']}/{tests['total']}")
    if (r.durability or {}).get("passed") is False:
        parts.append("not durable")
    return "; ".join(parts)


def _details(r: TrialRecord) -> str:
    lines = [r.detail]
    lines += [f"failing test: {name}" for name in r.failing_tests]
    lines += [f"{p['name']}: {p.get('detail', '')}" for p in r.durability_parts if not p.get("passed")]
    lines += [f"{v['rule']} ({v['severity']}) {v['path']}:{v['line']}" for v in r.violations]
    return "\n".join(line for line in lines if line)


def write_junit(path: Path, run_id: str, records: list[TrialRecord]) -> Path:
    tree = junit_tree(run_id, records)
    ET.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
    return path
