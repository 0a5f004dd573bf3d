"""Catalog service layer: publishing a product uploads its images to the CDN, then indexes it for search.

Used by the batch publisher (``publish.py``) and by the admin API, which publishes one product at a time.
The uploads of a product are one step, the indexing another.
"""

import cdn
import search
from dbos import DBOS


@DBOS.step()
def upload_images(product: dict) -> list[str]:
    return [cdn.upload_image(product["sku"], filename) for filename in product["images"]]


@DBOS.step()
def index_product(sku: str, title: str, urls: list[str]) -> None:
    search.index_product(sku, title, urls)


@DBOS.workflow()
def publish_product(product: dict) -> dict:
    """Publish one product; returns ``{"sku": ..., "images": [its image URLs]}``."""
    urls = upload_images(product)
    index_product(product["sku"], product["title"], urls)
    return {"sku": product["sku"], "images": urls}
