from dbos import DBOS

_seen: set[str] = set()


def remember(key: str) -> bool:
    if key in _seen:
        return False
    _seen.add(key)
    return True


@DBOS.step()
def deliver(event_id: str) -> None:
    print("deliver", event_id)


@DBOS.workflow()
def handle_event(event_id: str) -> bool:
    if not remember(event_id):
        return False
    deliver(event_id)
    return True
