from concurrent.futures import ThreadPoolExecutor

import requests
from dbos import DBOS


def head_status(url: str) -> int:
    return requests.head(url, timeout=5).status_code


@DBOS.step()
def check_links(urls: list[str]) -> dict[str, int]:
    with ThreadPoolExecutor(max_workers=8) as pool:
        return dict(zip(urls, pool.map(head_status, urls)))


@DBOS.workflow()
def link_report(urls: list[str]) -> int:
    statuses = check_links(urls)
    return sum(1 for s in statuses.values() if s >= 400)
