import os

import yaml
from dbos import DBOS


@DBOS.workflow()
def hello() -> str:
    return "hi"


def load_config() -> dict:
    with open(os.environ.get("DBOS_CONFIG", "dbos.yaml")) as f:
        return yaml.safe_load(f)


if __name__ == "__main__":
    DBOS(config=load_config())
    DBOS.launch()
    print(hello())
