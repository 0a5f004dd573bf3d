"""The OCR engine (GPU). Do not modify.

Only the OCR boxes have it: where OCR_ENGINE_DISABLED=1 is set (the gateway's CPU boxes), importing this
module fails like a missing CUDA library would.
"""

import os
import time
import zlib

if os.environ.get("OCR_ENGINE_DISABLED") == "1":
    raise ImportError("libcudart.so.12: cannot open shared object file (the OCR engine is not installed here)")


def read_page(document_id: str, page: int) -> dict:
    time.sleep(float(os.environ.get("OCR_PAGE_S", "0.1")))
    return {"page": page, "amount_cents": zlib.crc32(f"{document_id}:{page}".encode()) % 50000}
