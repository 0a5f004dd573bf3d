from dbos import DBOS

from approvals import store

APPROVAL_TOPIC = "decision"


@DBOS.step()
def load_doc(doc_id: str) -> dict:
    return store.load(doc_id)


@DBOS.step()
def record(doc_id: str, decision: str) -> None:
    store.save_decision(doc_id, decision)


@DBOS.workflow()
def review(doc_id: str) -> str:
    doc = load_doc(doc_id)
    DBOS.set_event("title", doc.get("title", ""))
    decision = DBOS.recv(APPROVAL_TOPIC, timeout_seconds=48 * 3600) or "expired"
    record(doc_id, decision)
    return decision
