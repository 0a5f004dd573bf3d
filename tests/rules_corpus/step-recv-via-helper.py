# expected-rules: step-calls-recv-or-sleep
from dbos import DBOS


def wait_for_signature(contract_id: str) -> str | None:
    return DBOS.recv(f"signature-{contract_id}", timeout_seconds=3600)


@DBOS.step()
def collect_signature(contract_id: str) -> str | None:
    print("waiting for", contract_id)
    return wait_for_signature(contract_id)


@DBOS.workflow()
def sign_contract(contract_id: str) -> bool:
    return collect_signature(contract_id) is not None
