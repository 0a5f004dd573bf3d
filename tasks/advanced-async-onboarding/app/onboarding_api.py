"""Onboarding service: when HR hires someone, create their accounts everywhere and welcome them on day one.

Run with: uvicorn onboarding_api:app
"""

import asyncio
from datetime import datetime, timezone

from fastapi import BackgroundTasks, FastAPI, HTTPException
from pydantic import BaseModel

import mailer
import saas

SYSTEMS = ["github", "google", "jira", "slack"]
GROUPS = {"github": ["engineering"], "google": ["all-staff"], "jira": ["eng-board"], "slack": ["#general", "#eng"]}

app = FastAPI(title="onboarding")

# employee_id -> {"status": ..., "accounts": {...}}
ONBOARDINGS: dict[str, dict] = {}


class NewHire(BaseModel):
    employee_id: str
    full_name: str
    start_date: datetime  # ISO 8601 with a timezone


async def onboard(hire: NewHire) -> None:
    record = ONBOARDINGS[hire.employee_id]
    for system in SYSTEMS:  # one vendor after the other: slow
        account_id = await saas.create_account(system, hire.employee_id, hire.full_name)
        await saas.add_to_groups(system, account_id, GROUPS[system])
        record["accounts"][system] = account_id
    record["status"] = "waiting_for_start_date"
    await asyncio.sleep(max(0.0, (hire.start_date - datetime.now(timezone.utc)).total_seconds()))
    await mailer.send_welcome_email(hire.employee_id, hire.full_name, record["accounts"])
    record["status"] = "welcomed"


@app.post("/onboardings", status_code=202)
async def start_onboarding(hire: NewHire, background: BackgroundTasks) -> dict:
    if hire.employee_id not in ONBOARDINGS:
        ONBOARDINGS[hire.employee_id] = {"status": "provisioning", "accounts": {}}
        background.add_task(onboard, hire)
    return {"employee_id": hire.employee_id, "status": ONBOARDINGS[hire.employee_id]["status"]}


@app.get("/onboardings/{employee_id}")
async def get_onboarding(employee_id: str) -> dict:
    record = ONBOARDINGS.get(employee_id)
    if record is None:
        raise HTTPException(404, "no such onboarding")
    return {"employee_id": employee_id, **record}
