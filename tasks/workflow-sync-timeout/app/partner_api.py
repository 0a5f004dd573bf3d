"""Client for our suppliers' catalog feed API. Do not modify.

A partner's feed has one paginated section per department (SECTIONS); on a bad day a page can take minutes
(PARTNER_LATENCY_S simulates it).
"""

import os
import time
import zlib

SECTIONS = ["apparel", "home", "garden"]
PAGES_PER_SECTION = 4
PAGE_SIZE = 25


def fetch_page(partner: str, section: str, page: int) -> dict:
    """One page of a section of a partner's catalog: {"products": [...], "next_page": int | None}."""
    time.sleep(float(os.environ.get("PARTNER_LATENCY_S", "0.05")))
    products = []
    for i in range(PAGE_SIZE):
        sku = f"{partner[:3].upper()}-{section[:2].upper()}{page:02d}{i:02d}"
        products.append({"sku": sku, "price_cents": 500 + zlib.crc32(sku.encode()) % 20000,
                         "stock": zlib.crc32(sku.encode()[::-1]) % 300})
    return {"products": products, "next_page": page + 1 if page < PAGES_PER_SECTION else None}
