"""Expense reimbursements: employees submit expenses, their manager approves or rejects, approved ones get paid.

Run with: uvicorn expenses_api:app

Each expense is a durable DBOS workflow (ID ``expense-<expense_id>``) stored in the system database named by
``DBOS_SYSTEM_DATABASE_URL``. It asks the manager once, waits durably for the decision (a DBOS message) for
at most ``APPROVAL_TIMEOUT_S`` seconds, pays approved expenses exactly once and tells the employee the outcome.
The workflow publishes where it stands in its ``status`` event.
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


def approval_timeout_s() -> float:
    return float(os.environ.get("APPROVAL_TIMEOUT_S", DEFAULT_APPROVAL_TIMEOUT_S))


def expense_workflow_id(expense_id: str) -> str:
    return f"expense-{expense_id}"


class Expense(BaseModel):
    expense_id: str
    employee: str
    amount_cents: int = Field(gt=0)
    description: str = ""


class Decision(BaseModel):
    approved: bool
    approver: str


# --- Steps ----------------------------------------------------------------------------------------------


@DBOS.step()
def ask_manager_for_approval(expense: dict) -> None:
    notify.ask_manager_for_approval(expense)


@DBOS.step()
def reimburse(employee: str, amount_cents: int, reference: str) -> str:
    return payouts.reimburse(employee, amount_cents, reference)


@DBOS.step()
def tell_employee(employee: str, expense_id: str, outcome: str) -> None:
    notify.tell_employee(employee, expense_id, outcome)


# --- Workflow -------------------------------------------------------------------------------------------


@DBOS.workflow()
def expense_workflow(expense: dict, timeout_s: float) -> str:
    DBOS.set_event(STATUS_EVENT, WAITING)
    ask_manager_for_approval(expense)

    # Durable wait: survives restarts, and gives up after timeout_s seconds in total.
    decision: Optional[dict[str, Any]] = DBOS.recv(DECISION_TOPIC, timeout_seconds=timeout_s)
    if decision is None:
        outcome = "timed_out"
    elif decision["approved"]:
        reimburse(expense["employee"], expense["amount_cents"], expense["expense_id"])
        outcome = "paid"
    else:
        outcome = "rejected"

    tell_employee(expense["employee"], expense["expense_id"], outcome)
    DBOS.set_event(STATUS_EVENT, outcome)
    return outcome


# --- App ------------------------------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "expenses",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="expenses", lifespan=lifespan)


def current_status(expense_id: str) -> Optional[str]:
    """What the expense's workflow last reported; None if there is no such expense."""
    workflow_id = expense_workflow_id(expense_id)
    status = DBOS.get_event(workflow_id, STATUS_EVENT, timeout_seconds=0)
    if status is not None:
        return status
    if DBOS.get_workflow_status(workflow_id) is None:
        return None
    return WAITING  # started, but has not published its first status yet


@app.post("/expenses", status_code=202)
def submit_expense(expense: Expense) -> dict:
    # The expense ID is the workflow ID: a retried submission attaches to the existing workflow.
    with SetWorkflowID(expense_workflow_id(expense.expense_id)):
        DBOS.start_workflow(expense_workflow, expense.model_dump(), approval_timeout_s())
    return {"expense_id": expense.expense_id, "status": current_status(expense.expense_id) or WAITING}


@app.post("/expenses/{expense_id}/decision")
def decide(expense_id: str, decision: Decision) -> dict:
    status = current_status(expense_id)
    if status is None:
        raise HTTPException(404, "no such expense")
    if status != WAITING:
        raise HTTPException(409, f"expense is already {status}")
    workflow_id = expense_workflow_id(expense_id)
    # One decision per expense: a double-click sends nothing new, and the workflow consumes one message.
    DBOS.send(workflow_id, decision.model_dump(), topic=DECISION_TOPIC, idempotency_key=f"decision-{expense_id}")
    outcome = DBOS.retrieve_workflow(workflow_id).get_result()
    return {"expense_id": expense_id, "status": outcome}


@app.get("/expenses/{expense_id}")
def get_expense(expense_id: str) -> dict:
    status = current_status(expense_id)
    if status is None:
        raise HTTPException(404, "no such expense")
    return {"expense_id": expense_id, "status": status}
