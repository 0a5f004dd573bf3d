"""Onboarding service: when HR hires someone, create their accounts everywhere and welcome them on day one.

Each hire is an async DBOS workflow (id ``onboarding-<employee_id>``). It provisions the four systems in
parallel as child workflows (account, then groups, each a step), publishes its status and the account ids
as events, sleeps durably until the start date, then sends the welcome email. A restart recovers it.

Run with: uvicorn onboarding_api:app
"""

import asyncio
import os
import time
from contextlib import asynccontextmanager
from datetime import datetime

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

import mailer
import saas

SYSTEMS = ["github", "google", "jira", "slack"]
GROUPS = {"github": ["engineering"], "google": ["all-staff"], "jira": ["eng-board"], "slack": ["#general", "#eng"]}


class NewHire(BaseModel):
    employee_id: str
    full_name: str
    start_date: datetime  # ISO 8601 with a timezone


def workflow_id(employee_id: str) -> str:
    return f"onboarding-{employee_id}"


@DBOS.step()
async def create_account(system: str, hire: dict) -> str:
    return await saas.create_account(system, hire["employee_id"], hire["full_name"])


@DBOS.step()
async def add_to_groups(system: str, account_id: str) -> None:
    await saas.add_to_groups(system, account_id, GROUPS[system])


@DBOS.workflow()
async def provision_system(system: str, hire: dict) -> str:
    account_id = await create_account(system, hire)
    await add_to_groups(system, account_id)
    return account_id


@DBOS.step()
async def seconds_until(iso_date: str) -> float:
    return max(0.0, datetime.fromisoformat(iso_date).timestamp() - time.time())


@DBOS.step()
async def send_welcome(hire: dict, accounts: dict[str, str]) -> None:
    await mailer.send_welcome_email(hire["employee_id"], hire["full_name"], accounts)


@DBOS.workflow()
async def onboard(hire: dict) -> dict[str, str]:
    await DBOS.set_event_async("status", "provisioning")
    handles = [await DBOS.start_workflow_async(provision_system, system, hire) for system in SYSTEMS]
    account_ids = await asyncio.gather(*(handle.get_result() for handle in handles))
    accounts = dict(zip(SYSTEMS, account_ids))
    await DBOS.set_event_async("accounts", accounts)
    await DBOS.set_event_async("status", "waiting_for_start_date")
    await DBOS.sleep_async(await seconds_until(hire["start_date"]))
    await send_welcome(hire, accounts)
    await DBOS.set_event_async("status", "welcomed")
    return accounts


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.08",
    }
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(title="onboarding", lifespan=lifespan)


@app.post("/onboardings", status_code=202)
async def start_onboarding(hire: NewHire) -> dict:
    with SetWorkflowID(workflow_id(hire.employee_id)):
        await DBOS.start_workflow_async(onboard, hire.model_dump(mode="json"))
    return {"employee_id": hire.employee_id, "status": await current_status(hire.employee_id)}


async def current_status(employee_id: str) -> str:
    return await DBOS.get_event_async(workflow_id(employee_id), "status", timeout_seconds=5) or "provisioning"


@app.get("/onboardings/{employee_id}")
async def get_onboarding(employee_id: str) -> dict:
    if await DBOS.get_workflow_status_async(workflow_id(employee_id)) is None:
        raise HTTPException(404, "no such onboarding")
    status = await DBOS.get_event_async(workflow_id(employee_id), "status", timeout_seconds=0)
    accounts = await DBOS.get_event_async(workflow_id(employee_id), "accounts", timeout_seconds=0)
    return {"employee_id": employee_id, "status": status or "provisioning", "accounts": accounts or {}}
