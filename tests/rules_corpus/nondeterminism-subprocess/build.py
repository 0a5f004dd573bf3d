import subprocess

from dbos import DBOS


@DBOS.step()
def upload(artifact: str) -> str:
    return f"s3://artifacts/{artifact}"


@DBOS.workflow()
def release(tag: str) -> str:
    subprocess.run(["make", "dist", f"TAG={tag}"], check=True)
    return upload(f"app-{tag}.tar.gz")
