"""``python import_feed.py <partner> <batch-id>`` imports a partner's feed and prints the batch summary as JSON."""

import json
import sys

from importers import IMPORTERS


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in IMPORTERS:
        print(f"usage: import_feed.py <{'|'.join(IMPORTERS)}> <batch-id>", file=sys.stderr)
        return 2
    print(json.dumps(IMPORTERS[argv[0]].run(argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
