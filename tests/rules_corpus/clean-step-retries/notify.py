import requests
from dbos import DBOS


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=1.0, backoff_rate=2.0)
def post_slack(text: str) -> None:
    requests.post("https://hooks.slack.example.com/x", json={"text": text}, timeout=5).raise_for_status()


@DBOS.workflow()
def announce(text: str) -> None:
    post_slack(text)
