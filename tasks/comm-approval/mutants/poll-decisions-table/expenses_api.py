"""Expense reimbursements: employees submit expenses, their manager approves or rejects, approved ones get paid.

Each expense is a DBOS workflow (id ``expense-<expense_id>``): it asks the manager, waits durably for the
decision (polling the decisions folder until the approval timeout), pays if approved, tells the employee, and publishes its status
as the ``status`` event. A restart recovers waiting expenses; a decision sent afterwards still reaches them.

Run with: uvicorn expenses_api:app
"""

import json
import os
from pathlib import Path
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import notify
import payouts

DECISIONS_DIR = Path("decisions")
POLL_EVERY_S = 1.0
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


@DBOS.step()
def read_decision(expense_id: str) -> dict | None:
    file = DECISIONS_DIR / f"{expense_id}.json"
    return json.loads(file.read_text()) if file.exists() else None


@DBOS.workflow()
def expense_approval(expense: dict, timeout_s: float) -> str:
    ask_manager(expense)
    DBOS.set_event(STATUS_EVENT, "waiting_for_approval")
    decision, waited = None, 0.0
    while waited < timeout_s:
        decision = read_decision(expense["expense_id"])
        if decision is not None:
            break
        DBOS.sleep(POLL_EVERY_S)
        waited += POLL_EVERY_S
    if decision is None:
        outcome = "timed_out"
    elif decision["approved"]:
        reimburse(expense)
        outcome = "paid"
    else:
        outcome = "rejected"
    tell_employee(expense, outcome)
    DBOS.set_event(STATUS_EVENT, outcome)
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
    DECISIONS_DIR.mkdir(exist_ok=True)
    file = DECISIONS_DIR / f"{expense_id}.json"
    if not file.exists():  # the first decision wins
        file.write_text(json.dumps(decision.model_dump()))
    return {"expense_id": expense_id, "status": current_status(expense_id)}


@app.get("/expenses/{expense_id}")
def get_expense(expense_id: str) -> dict:
    return {"expense_id": expense_id, "status": current_status(expense_id)}
