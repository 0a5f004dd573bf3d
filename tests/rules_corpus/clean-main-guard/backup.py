import os
import shutil
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID


@DBOS.step()
def copy_file(src: str, dst: str) -> None:
    shutil.copyfile(src, dst)


@DBOS.workflow()
def backup(files: list[str], target: str) -> int:
    for name in files:
        copy_file(name, os.path.join(target, os.path.basename(name)))
    return len(files)


if __name__ == "__main__":
    config: DBOSConfig = {
        "name": "backup",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1.2",
    }
    DBOS(config=config)
    DBOS.launch()
    with SetWorkflowID(f"backup-{sys.argv[1]}"):
        print(backup(sys.argv[2:], sys.argv[1]))
