"""Expense reimbursements: employees submit expenses, their manager approves or rejects, approved ones get paid.

Each expense is a durable DBOS workflow (workflow ID ``expense-<expense_id>``): it asks the manager for
approval, waits (durably) for the decision for at most ``APPROVAL_TIMEOUT_S`` seconds, pays the employee if
approved and tells the employee the outcome. The workflow publishes its progress in the ``status`` event.

Run with: uvicorn expenses_api:app
Requires: DBOS_SYSTEM_DATABASE_URL (Postgres URL of the DBOS system database).
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from dbos import DBOS, DBOSConfig, SetWorkflowID

import notify
import payouts

DEFAULT_APPROVAL_TIMEOUT_S = 172800.0  # 2 days
DECISION_TOPIC = "decision"
STATUS_EVENT = "status"

WAITING = "waiting_for_approval"
PAID = "paid"
REJECTED = "rejected"
TIMED_OUT = "timed_out"


def approval_timeout_s() -> float:
    return float(os.environ.get("APPROVAL_TIMEOUT_S", DEFAULT_APPROVAL_TIMEOUT_S))


def workflow_id_for(expense_id: str) -> str:
    return f"expense-{expense_id}"


# --- steps: every call to Slack/email/payroll is checkpointed, so it is not repeated on recovery ---


@DBOS.step()
def ask_manager_for_approval(expense: dict) -> None:
    notify.ask_manager_for_approval(expense)


@DBOS.step()
def reimburse(employee: str, amount_cents: int, reference: str) -> str:
    return payouts.reimburse(employee, amount_cents, reference)


@DBOS.step()
def tell_employee(employee: str, expense_id: str, outcome: str) -> None:
    notify.tell_employee(employee, expense_id, outcome)


# --- the workflow ---


@DBOS.workflow()
def expense_workflow(expense: dict, timeout_s: float) -> str:
    expense_id = expense["expense_id"]
    DBOS.set_event(STATUS_EVENT, WAITING)
    ask_manager_for_approval(expense)

    # Durable wait: survives restarts; returns None when no decision arrived in time.
    decision: Optional[dict[str, Any]] = DBOS.recv(DECISION_TOPIC, timeout_seconds=timeout_s)

    if decision is None:
        outcome = TIMED_OUT
    elif decision.get("approved"):
        reimburse(expense["employee"], expense["amount_cents"], expense_id)
        outcome = PAID
    else:
        outcome = REJECTED

    DBOS.set_event(STATUS_EVENT, outcome)
    tell_employee(expense["employee"], expense_id, outcome)
    return outcome


# --- application lifecycle ---


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "expenses",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # recovers expenses that were waiting before a restart
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="expenses", lifespan=lifespan)


class Expense(BaseModel):
    expense_id: str
    employee: str
    amount_cents: int = Field(gt=0)
    description: str = ""


class Decision(BaseModel):
    approved: bool
    approver: str


def _current_status(workflow_id: str, wait_s: float = 1.0) -> Optional[str]:
    return DBOS.get_event(workflow_id, STATUS_EVENT, timeout_seconds=wait_s)


def _require_expense(workflow_id: str) -> None:
    if DBOS.get_workflow_status(workflow_id) is None:
        raise HTTPException(404, "no such expense")


# Sync routes run in a worker thread, so the sync DBOS APIs are fine here.


@app.post("/expenses", status_code=202)
def submit_expense(expense: Expense) -> dict:
    workflow_id = workflow_id_for(expense.expense_id)
    # Same expense_id -> same workflow ID: a retried submission attaches to the existing workflow
    # instead of asking the manager again.
    with SetWorkflowID(workflow_id):
        DBOS.start_workflow(expense_workflow, expense.model_dump(), approval_timeout_s())
    status = _current_status(workflow_id, wait_s=10) or WAITING
    return {"expense_id": expense.expense_id, "status": status}


@app.post("/expenses/{expense_id}/decision")
def decide(expense_id: str, decision: Decision) -> dict:
    workflow_id = workflow_id_for(expense_id)
    _require_expense(workflow_id)
    status = _current_status(workflow_id, wait_s=10)
    if status is not None and status != WAITING:
        raise HTTPException(409, f"expense is already {status}")
    # The workflow consumes exactly one decision; any extra (double-click) message is never read.
    DBOS.send(workflow_id, decision.model_dump(), topic=DECISION_TOPIC)
    handle = DBOS.retrieve_workflow(workflow_id)
    outcome = handle.get_result()
    return {"expense_id": expense_id, "status": outcome}


@app.get("/expenses/{expense_id}")
def get_expense(expense_id: str) -> dict:
    workflow_id = workflow_id_for(expense_id)
    _require_expense(workflow_id)
    status = _current_status(workflow_id) or WAITING
    return {"expense_id": expense_id, "status": status}
