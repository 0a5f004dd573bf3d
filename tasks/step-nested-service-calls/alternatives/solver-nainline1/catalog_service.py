"""Catalog service layer: publishing a product uploads its images to the CDN, then indexes it for search.

Used by the batch publisher (``publish.py``) and by the admin API, which publishes one product at a time.

``publish_product`` is a durable DBOS workflow: every image upload and the search indexing are separate
steps, so after a crash (even in the middle of a product) the images already uploaded are not uploaded again
and the product is indexed once, with the URLs of those uploads. DBOS must be configured and launched by the
program that calls it.
"""

from dbos import DBOS

import cdn
import search


@DBOS.step()
def upload_image(sku: str, filename: str) -> str:
    """Upload one image (one checkpointed step per image); returns its public URL."""
    return cdn.upload_image(sku, filename)


@DBOS.step()
def index_product(sku: str, title: str, image_urls: list[str]) -> None:
    search.index_product(sku, title, image_urls)


def upload_images(product: dict) -> list[str]:
    # Called from the publish_product workflow: each upload is its own step. (Do not wrap this helper in a
    # step: a step called from a step runs inline and only the outer step would be checkpointed.)
    return [upload_image(product["sku"], filename) for filename in product["images"]]


@DBOS.workflow()
def publish_product(product: dict) -> dict:
    """Publish one product; returns ``{"sku": ..., "images": [its image URLs]}``."""
    urls = upload_images(product)
    index_product(product["sku"], product["title"], urls)
    return {"sku": product["sku"], "images": urls}
