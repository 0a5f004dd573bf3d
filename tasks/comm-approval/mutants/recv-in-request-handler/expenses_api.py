"""Expense reimbursements: employees submit expenses, their manager approves or rejects, approved ones get paid.

Each expense is a DBOS workflow (id ``expense-<expense_id>``): it asks the manager, waits durably for the
decision message (or the approval timeout), pays if approved, tells the employee, and publishes its status
as the ``status`` event. A restart recovers waiting expenses; a decision sent afterwards still reaches them.

Run with: uvicorn expenses_api:app
"""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import notify
import payouts

DECISION_TOPIC = "decision"
STATUS_EVENT = "status"


class Expense(BaseModel):
    expense_id: str
    employee: str
    amount_cents: int = Field(gt=0)
    description: str = ""


class Decision(BaseModel):
    approved: bool
    approver: str


def workflow_id(expense_id: str) -> str:
    return f"expense-{expense_id}"


@DBOS.step()
def ask_manager(expense: dict) -> None:
    notify.ask_manager_for_approval(expense)


@DBOS.step()
def reimburse(expense: dict) -> str:
    return payouts.reimburse(expense["employee"], expense["amount_cents"], expense["expense_id"])


@DBOS.step()
def tell_employee(expense: dict, outcome: str) -> None:
    notify.tell_employee(expense["employee"], expense["expense_id"], outcome)


@DBOS.workflow()
def expense_approval(expense: dict, timeout_s: float) -> str:
    ask_manager(expense)
    DBOS.set_event(STATUS_EVENT, "waiting_for_approval")
    return "waiting_for_approval"


@DBOS.workflow()
def settle_expense(expense: dict, decision: dict) -> str:
    if decision["approved"]:
        reimburse(expense)
        outcome = "paid"
    else:
        outcome = "rejected"
    tell_employee(expense, outcome)
    return outcome


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "expenses",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(title="expenses", lifespan=lifespan)


def current_status(expense_id: str) -> str:
    if DBOS.get_workflow_status(workflow_id(expense_id)) is None:
        raise HTTPException(404, "no such expense")
    return DBOS.get_event(workflow_id(expense_id), STATUS_EVENT, timeout_seconds=0) or "submitted"


@app.post("/expenses", status_code=202)
def submit_expense(expense: Expense) -> dict:
    timeout_s = float(os.environ.get("APPROVAL_TIMEOUT_S", "172800"))
    with SetWorkflowID(workflow_id(expense.expense_id)):
        DBOS.start_workflow(expense_approval, expense.model_dump(), timeout_s)
    status = DBOS.get_event(workflow_id(expense.expense_id), STATUS_EVENT, timeout_seconds=5)
    return {"expense_id": expense.expense_id, "status": status or "submitted"}


@app.post("/expenses/{expense_id}/decision")
def decide(expense_id: str, decision: Decision) -> dict:
    current_status(expense_id)  # 404 for unknown expenses
    DBOS.send(workflow_id(expense_id), decision.model_dump(), topic=DECISION_TOPIC)
    received = DBOS.recv(DECISION_TOPIC, timeout_seconds=10)
    if received is None:
        raise HTTPException(409, "decision already handled")
    expense = DBOS.retrieve_workflow(workflow_id(expense_id)).get_status().input["args"][0]
    with SetWorkflowID(f"settle-{expense_id}"):
        outcome = settle_expense(expense, received)
    return {"expense_id": expense_id, "status": outcome}


@app.get("/expenses/{expense_id}")
def get_expense(expense_id: str) -> dict:
    return {"expense_id": expense_id, "status": current_status(expense_id)}
