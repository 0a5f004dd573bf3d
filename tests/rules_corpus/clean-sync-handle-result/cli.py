import os
import sys

from dbos import DBOS


@DBOS.step()
def word_count(path: str) -> int:
    with open(path) as f:
        return len(f.read().split())


@DBOS.workflow()
def count_words(paths: list[str]) -> int:
    return sum(word_count(p) for p in paths)


def main() -> None:
    DBOS(config={"name": "wc", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    handle = DBOS.start_workflow(count_words, sys.argv[1:])
    print(handle.get_result())


if __name__ == "__main__":
    main()
