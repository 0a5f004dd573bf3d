"""Quarterly board packs: one report section per warehouse chunk of every region, then a cover.

    python packs.py build <pack_id>

Regions are built in parallel (a slow region should not hold the others up). Prints a JSON summary.
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor

import renderer
import warehouse


def build_region(pack_id: str, region: str) -> int:
    for chunk in range(warehouse.CHUNKS):
        rows = warehouse.query(region, chunk)
        renderer.write_section(pack_id, region, chunk, rows)
    return warehouse.CHUNKS


def build_pack(pack_id: str) -> dict:
    with ThreadPoolExecutor(max_workers=len(warehouse.REGIONS)) as pool:
        sections = sum(pool.map(lambda region: build_region(pack_id, region), warehouse.REGIONS))
    renderer.write_cover(pack_id, sections)
    return {"pack_id": pack_id, "status": "completed", "sections": sections}


def main() -> None:
    if len(sys.argv) != 3 or sys.argv[1] != "build":
        sys.exit("usage: python packs.py build <pack_id>")
    print(json.dumps(build_pack(sys.argv[2])))


if __name__ == "__main__":
    main()
