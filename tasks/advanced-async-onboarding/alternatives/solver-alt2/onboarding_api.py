"""Onboarding service: when HR hires someone, create their accounts everywhere and welcome them on day one.

Each onboarding is a durable DBOS workflow (ID ``onboarding-<employee_id>``): the four systems are provisioned
in parallel (one child workflow per system: create the account, then add it to its groups), then the workflow
sleeps durably until the start date and sends the welcome email. If the service restarts, DBOS recovers the
workflow and resumes it from its last checkpoint.

Run with: uvicorn onboarding_api:app   (requires DBOS_SYSTEM_DATABASE_URL)
"""

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetWorkflowID

import mailer
import saas

SYSTEMS = ["github", "google", "jira", "slack"]
GROUPS = {"github": ["engineering"], "google": ["all-staff"], "jira": ["eng-board"], "slack": ["#general", "#eng"]}

STATUS_PROVISIONING = "provisioning"
STATUS_WAITING = "waiting_for_start_date"
STATUS_WELCOMED = "welcomed"


class NewHire(BaseModel):
    employee_id: str
    full_name: str
    start_date: datetime  # ISO 8601 with a timezone


def onboarding_workflow_id(employee_id: str) -> str:
    return f"onboarding-{employee_id}"


# --- steps: every vendor call is checkpointed once ---------------------------------------------------------


@DBOS.step()
async def create_account_step(system: str, employee_id: str, full_name: str) -> str:
    return await saas.create_account(system, employee_id, full_name)


@DBOS.step()
async def add_to_groups_step(system: str, account_id: str, groups: list[str]) -> None:
    await saas.add_to_groups(system, account_id, groups)


@DBOS.step()
async def current_timestamp() -> float:
    return time.time()


@DBOS.step()
async def send_welcome_email_step(employee_id: str, full_name: str, accounts: dict[str, str]) -> None:
    await mailer.send_welcome_email(employee_id, full_name, accounts)


# --- workflows ------------------------------------------------------------------------------------------------


@DBOS.workflow()
async def provision_system(system: str, employee_id: str, full_name: str) -> str:
    """One system: create the account first, then add it to that system's groups."""
    account_id = await create_account_step(system, employee_id, full_name)
    await add_to_groups_step(system, account_id, GROUPS[system])
    return account_id


def _start_timestamp(start_date_iso: str) -> float:
    start = datetime.fromisoformat(start_date_iso)
    if start.tzinfo is None:
        start = start.replace(tzinfo=timezone.utc)
    return start.timestamp()


@DBOS.workflow()
async def onboard(employee_id: str, full_name: str, start_date_iso: str) -> dict[str, str]:
    await DBOS.set_event_async("status", STATUS_PROVISIONING)

    # Provision the four systems in parallel: one child workflow per system (each runs two steps in order).
    handles = [await DBOS.start_workflow_async(provision_system, system, employee_id, full_name) for system in SYSTEMS]
    account_ids = await asyncio.gather(*(handle.get_result() for handle in handles))
    accounts = dict(zip(SYSTEMS, account_ids))

    await DBOS.set_event_async("accounts", accounts)
    await DBOS.set_event_async("status", STATUS_WAITING)

    # Durable sleep until the start date: survives redeploys, resumes with the remaining time.
    now = await current_timestamp()
    wait_s = _start_timestamp(start_date_iso) - now
    if wait_s > 0:
        await DBOS.sleep_async(wait_s)

    await send_welcome_email_step(employee_id, full_name, accounts)
    await DBOS.set_event_async("status", STATUS_WELCOMED)
    return accounts


# --- app ------------------------------------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="onboarding", lifespan=lifespan)


async def _onboarding_state(workflow_id: str) -> dict[str, Any]:
    status: Optional[str] = await DBOS.get_event_async(workflow_id, "status", timeout_seconds=0)
    accounts: Optional[dict[str, str]] = await DBOS.get_event_async(workflow_id, "accounts", timeout_seconds=0)
    return {"status": status or STATUS_PROVISIONING, "accounts": accounts or {}}


@app.post("/onboardings", status_code=202)
async def start_onboarding(hire: NewHire) -> dict:
    start_date = hire.start_date
    if start_date.tzinfo is None:
        start_date = start_date.replace(tzinfo=timezone.utc)
    workflow_id = onboarding_workflow_id(hire.employee_id)
    # One workflow per employee: a duplicate POST attaches to the existing onboarding instead of starting another.
    if await DBOS.get_workflow_status_async(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            await DBOS.start_workflow_async(onboard, hire.employee_id, hire.full_name, start_date.isoformat())
    state = await _onboarding_state(workflow_id)
    return {"employee_id": hire.employee_id, "status": state["status"]}


@app.get("/onboardings/{employee_id}")
async def get_onboarding(employee_id: str) -> dict:
    workflow_id = onboarding_workflow_id(employee_id)
    if await DBOS.get_workflow_status_async(workflow_id) is None:
        raise HTTPException(404, "no such onboarding")
    state = await _onboarding_state(workflow_id)
    return {"employee_id": employee_id, **state}
