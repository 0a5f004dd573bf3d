"""comm-outside-workflow: DBOS.recv where no workflow runs."""

from __future__ import annotations

from collections.abc import Iterator

from graders.rules.dbos_api import RECV, dbos_method
from graders.rules.model import Violation, violation
from graders.rules.program import Program


def outside_workflow(program: Program) -> Iterator[Violation]:
    """Code not reachable from any workflow: handlers, plain functions, module code. Steps are left
    to step-calls-recv-or-sleep, so one mistake is reported once."""
    for scope in program.scopes:
        if scope in program.workflow_reach or scope in program.step_reach:
            continue
        for call in scope.calls():
            method = dbos_method(scope, call)
            if method in RECV:
                yield violation("comm-outside-workflow", scope.module.path, call.lineno, (
                    f"DBOS.{method}() in {scope.label}, which no workflow runs: recv only works inside a "
                    "workflow; receive in the workflow and deliver to it from here with "
                    "DBOS.send(workflow_id, message, topic)"))
