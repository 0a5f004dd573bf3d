from dbos import DBOS, SetWorkflowID

from conftest import make_config
from ledger.workflows import POSTINGS_QUEUE, transfer


def test_transfer_recovers_after_restart(dbos):
    DBOS.register_queue(POSTINGS_QUEUE)
    with SetWorkflowID("transfer-1"):
        handle = DBOS.start_workflow(transfer, "a", "b", 100)
    DBOS.destroy(destroy_registry=False)
    DBOS(config=make_config())
    DBOS.register_queue(POSTINGS_QUEUE)
    DBOS.launch()
    assert DBOS.retrieve_workflow(handle.get_workflow_id()).get_result() == 100
