import httpx
from dbos import DBOS


@DBOS.step(name="ocr", interval_seconds=5)
def run_ocr(image_url: str) -> str:
    return httpx.post("https://ocr.example.com", json={"url": image_url}, timeout=30).text


@DBOS.workflow()
def digitize(image_url: str) -> str:
    return run_ocr(image_url)
