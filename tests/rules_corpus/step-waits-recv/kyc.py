from dbos import DBOS


@DBOS.step()
def wait_for_documents(user_id: str) -> dict | None:
    return DBOS.recv("documents", timeout_seconds=3600)


@DBOS.workflow()
def onboarding(user_id: str) -> bool:
    docs = wait_for_documents(user_id)
    return docs is not None
