import time

import requests
from dbos import DBOS


@DBOS.step(retries_allowed=True, max_attempts=3)
def fetch_page(url: str) -> str:
    time.sleep(0.5)  # be polite to the site
    return requests.get(url, timeout=10).text


@DBOS.workflow()
def scrape(urls: list[str]) -> int:
    total = 0
    for url in urls:
        total += len(fetch_page(url))
        DBOS.sleep(1)
    return total
