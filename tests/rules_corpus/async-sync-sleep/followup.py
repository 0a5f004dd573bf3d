from dbos import DBOS


@DBOS.step()
async def email(user: str, template: str) -> None:
    print(user, template)


@DBOS.workflow()
async def follow_up(user: str) -> None:
    await email(user, "welcome")
    DBOS.sleep(3 * 24 * 3600)
    await email(user, "tips")
