"""Catalog service layer: publishing a product uploads its images to the CDN, then indexes it for search.

Used by the batch publisher (``publish.py``) and by the admin API, which publishes one product at a time.

``publish_product`` is a DBOS workflow and every outside call is its own step: each image upload is
checkpointed as soon as it returns, so after a crash in the middle of a product the images already uploaded
are not uploaded again (their recorded URLs are reused), and the product is indexed once with those URLs.
Called from a workflow (the batch publisher) it runs as a child workflow; called directly (admin API, with
DBOS launched by that process) it runs as its own workflow.
"""

from dbos import DBOS

import cdn
import search


@DBOS.step(name="catalog_service.upload_image")
def upload_image(sku: str, filename: str) -> str:
    """One CDN upload (billed, and versioned by the CDN): one checkpointed step per image."""
    return cdn.upload_image(sku, filename)


@DBOS.step(name="catalog_service.index_product")
def index_product(sku: str, title: str, image_urls: list[str]) -> None:
    search.index_product(sku, title, image_urls)


def upload_images(product: dict) -> list[str]:
    # Plain helper run in the workflow body: each upload is its own step (not one step wrapping all of
    # them, which would re-upload every image of the product after a crash in the middle of it).
    return [upload_image(product["sku"], filename) for filename in product["images"]]


@DBOS.workflow(name="catalog_service.publish_product")
def publish_product(product: dict) -> dict:
    """Publish one product; returns ``{"sku": ..., "images": [its image URLs]}``."""
    urls = upload_images(product)
    index_product(product["sku"], product["title"], urls)
    return {"sku": product["sku"], "images": urls}
