"""Catalog service layer: publishing a product uploads its images to the CDN, then indexes it for search.

Used by the batch publisher (``publish.py``) and by the admin API, which publishes one product at a time.
"""

import cdn
import search


def upload_images(product: dict) -> list[str]:
    return [cdn.upload_image(product["sku"], filename) for filename in product["images"]]


def publish_product(product: dict) -> dict:
    """Publish one product; returns ``{"sku": ..., "images": [its image URLs]}``."""
    urls = upload_images(product)
    search.index_product(product["sku"], product["title"], urls)
    return {"sku": product["sku"], "images": urls}
