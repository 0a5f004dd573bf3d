import json
import logging

from dbos import DBOS

logger = logging.getLogger(__name__)


@DBOS.step()
def load(ids: list[int]) -> list[dict]:
    return [{"id": i, "score": i % 7} for i in ids]


@DBOS.workflow()
def rank(ids: list[int]) -> str:
    rows = load(ids)
    ranked = sorted(rows, key=lambda r: (-r["score"], r["id"]))
    logger.info("ranked %d rows", len(ranked))
    DBOS.logger.info("workflow %s done", DBOS.workflow_id)
    return json.dumps(ranked[:3])
