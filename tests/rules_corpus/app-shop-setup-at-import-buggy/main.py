import sys

from dbos import DBOS

import shop.setup  # noqa: F401  (configures DBOS)
from shop.workflows.notify import announce
from shop.workflows.batch import run_batch


def main() -> None:
    DBOS.launch()
    if sys.argv[1:] == ["batch"]:
        run_batch(["a", "b", "c"])
    else:
        DBOS.start_workflow(announce, "launch")


if __name__ == "__main__":
    main()
