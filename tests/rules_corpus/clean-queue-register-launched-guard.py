# expected-rules:
from dbos import DBOS

_launched = False


def ensure_started(config) -> None:
    global _launched
    if _launched:
        DBOS.register_queue("jobs", on_conflict="always_update")
    else:
        DBOS(config=config)
        DBOS.launch()
        _launched = True
        DBOS.register_queue("jobs")
