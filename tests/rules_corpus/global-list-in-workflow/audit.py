from dbos import DBOS

AUDIT_LOG: list[str] = []


@DBOS.step()
def approve(request_id: str) -> bool:
    return True


@DBOS.workflow()
def review(request_id: str) -> bool:
    ok = approve(request_id)
    AUDIT_LOG.append(f"{request_id}:{ok}")
    return ok
