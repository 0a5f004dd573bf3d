"""Expense reimbursements: employees submit expenses, their manager approves or rejects, approved ones get paid.

Run with: uvicorn expenses_api:app
"""

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import notify
import payouts

app = FastAPI(title="expenses")

# expense_id -> the expense and where it stands
EXPENSES: dict[str, dict] = {}


class Expense(BaseModel):
    expense_id: str
    employee: str
    amount_cents: int = Field(gt=0)
    description: str = ""


class Decision(BaseModel):
    approved: bool
    approver: str


@app.post("/expenses", status_code=202)
def submit_expense(expense: Expense) -> dict:
    if expense.expense_id not in EXPENSES:
        EXPENSES[expense.expense_id] = {**expense.model_dump(), "status": "waiting_for_approval"}
        notify.ask_manager_for_approval(expense.model_dump())
    return {"expense_id": expense.expense_id, "status": EXPENSES[expense.expense_id]["status"]}


@app.post("/expenses/{expense_id}/decision")
def decide(expense_id: str, decision: Decision) -> dict:
    record = EXPENSES.get(expense_id)
    if record is None:
        raise HTTPException(404, "no such expense")
    if record["status"] != "waiting_for_approval":
        raise HTTPException(409, f"expense is already {record['status']}")
    if decision.approved:
        payouts.reimburse(record["employee"], record["amount_cents"], expense_id)
        record["status"] = "paid"
    else:
        record["status"] = "rejected"
    notify.tell_employee(record["employee"], expense_id, record["status"])
    return {"expense_id": expense_id, "status": record["status"]}


@app.get("/expenses/{expense_id}")
def get_expense(expense_id: str) -> dict:
    record = EXPENSES.get(expense_id)
    if record is None:
        raise HTTPException(404, "no such expense")
    return {"expense_id": expense_id, "status": record["status"]}
