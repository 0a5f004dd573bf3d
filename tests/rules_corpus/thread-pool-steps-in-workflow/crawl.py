from concurrent.futures import ThreadPoolExecutor

import requests
from dbos import DBOS


@DBOS.step()
def fetch(url: str) -> int:
    return len(requests.get(url, timeout=10).text)


@DBOS.workflow()
def crawl(urls: list[str]) -> int:
    executor = ThreadPoolExecutor(max_workers=8)
    futures = [executor.submit(fetch, u) for u in urls]
    return sum(f.result() for f in futures)
