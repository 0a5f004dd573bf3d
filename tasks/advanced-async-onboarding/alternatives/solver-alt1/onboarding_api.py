"""Onboarding service: when HR hires someone, create their accounts everywhere and welcome them on day one.

Run with: uvicorn onboarding_api:app

Each onboarding is a durable DBOS workflow (ID ``onboarding-<employee_id>``) whose progress is checkpointed
in the system database (``DBOS_SYSTEM_DATABASE_URL``): after a restart or redeploy it resumes where it
stopped, so every account, group membership and welcome email happens exactly once.
"""

import asyncio
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Any, Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import mailer
import saas

SYSTEMS = ["github", "google", "jira", "slack"]
GROUPS = {"github": ["engineering"], "google": ["all-staff"], "jira": ["eng-board"], "slack": ["#general", "#eng"]}

STATE_EVENT = "onboarding"  # workflow event holding {"status": ..., "accounts": {...}}


def onboarding_workflow_id(employee_id: str) -> str:
    return f"onboarding-{employee_id}"


class NewHire(BaseModel):
    employee_id: str
    full_name: str
    start_date: datetime  # ISO 8601 with a timezone


# --- Steps: every external side effect or nondeterministic read is checkpointed once ---------------------


@DBOS.step()
async def create_account_step(system: str, employee_id: str, full_name: str) -> str:
    return await saas.create_account(system, employee_id, full_name)


@DBOS.step()
async def add_to_groups_step(system: str, account_id: str, groups: list[str]) -> None:
    await saas.add_to_groups(system, account_id, groups)


@DBOS.step()
async def send_welcome_email_step(employee_id: str, full_name: str, accounts: dict[str, str]) -> None:
    await mailer.send_welcome_email(employee_id, full_name, accounts)


@DBOS.step()
async def seconds_until(iso_timestamp: str) -> float:
    target = datetime.fromisoformat(iso_timestamp)
    if target.tzinfo is None:
        target = target.replace(tzinfo=timezone.utc)
    return max(0.0, (target - datetime.now(timezone.utc)).total_seconds())


# --- Workflows ------------------------------------------------------------------------------------------


@DBOS.workflow()
async def provision_system(system: str, employee_id: str, full_name: str) -> str:
    """Within one system the order matters: create the account, then add it to the groups."""
    account_id = await create_account_step(system, employee_id, full_name)
    await add_to_groups_step(system, account_id, GROUPS[system])
    return account_id


@DBOS.workflow()
async def onboard(employee_id: str, full_name: str, start_date_iso: str) -> dict[str, str]:
    await DBOS.set_event_async(STATE_EVENT, {"status": "provisioning", "accounts": {}})

    # One child workflow per system, started in a fixed order, then run in parallel.
    handles = [
        await DBOS.start_workflow_async(provision_system, system, employee_id, full_name) for system in SYSTEMS
    ]
    account_ids = await asyncio.gather(*(handle.get_result() for handle in handles))
    accounts = dict(zip(SYSTEMS, account_ids))

    await DBOS.set_event_async(STATE_EVENT, {"status": "waiting_for_start_date", "accounts": accounts})

    # Durable sleep: after a redeploy only the remaining time is waited.
    await DBOS.sleep_async(await seconds_until(start_date_iso))

    await send_welcome_email_step(employee_id, full_name, accounts)
    await DBOS.set_event_async(STATE_EVENT, {"status": "welcomed", "accounts": accounts})
    return accounts


# --- App ------------------------------------------------------------------------------------------------


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


async def _read_state(employee_id: str) -> Optional[dict[str, Any]]:
    workflow_id = onboarding_workflow_id(employee_id)
    state = await DBOS.get_event_async(workflow_id, STATE_EVENT, timeout_seconds=0)
    if state is not None:
        return {"status": state["status"], "accounts": dict(state["accounts"])}
    try:
        await DBOS.retrieve_workflow_async(workflow_id)
    except error.DBOSNonExistentWorkflowError:
        return None
    # The workflow exists but has not published its first state yet.
    return {"status": "provisioning", "accounts": {}}


@app.post("/onboardings", status_code=202)
async def start_onboarding(hire: NewHire) -> dict:
    # The employee ID is the workflow ID: a duplicate post attaches to the existing onboarding.
    with SetWorkflowID(onboarding_workflow_id(hire.employee_id)):
        await DBOS.start_workflow_async(onboard, hire.employee_id, hire.full_name, hire.start_date.isoformat())
    state = await _read_state(hire.employee_id)
    status = state["status"] if state is not None else "provisioning"
    return {"employee_id": hire.employee_id, "status": status}


@app.get("/onboardings/{employee_id}")
async def get_onboarding(employee_id: str) -> dict:
    state = await _read_state(employee_id)
    if state is None:
        raise HTTPException(404, "no such onboarding")
    return {"employee_id": employee_id, **state}
