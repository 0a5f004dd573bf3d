from datetime import datetime, timedelta, timezone

from dbos import DBOS


@DBOS.step()
async def save_trial(user_id: str, ends_at: str) -> None:
    print(user_id, ends_at)


@DBOS.workflow()
async def start_trial(user_id: str) -> str:
    ends_at = (datetime.now(timezone.utc) + timedelta(days=14)).isoformat()
    await save_trial(user_id, ends_at)
    return ends_at
