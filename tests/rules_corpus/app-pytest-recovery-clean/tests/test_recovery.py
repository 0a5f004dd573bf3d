import threading

from dbos import DBOS, SetWorkflowID

from conftest import make_config
from ledger.workflows import POSTINGS_QUEUE, transfer


def restart() -> None:
    DBOS.destroy(destroy_registry=False)
    DBOS(config=make_config())
    DBOS.launch()


def test_transfer_recovers_after_restart(dbos):
    DBOS.register_queue(POSTINGS_QUEUE)
    with SetWorkflowID("transfer-1"):
        handle = DBOS.start_workflow(transfer, "a", "b", 100)
    restart()
    DBOS.register_queue(POSTINGS_QUEUE)
    assert DBOS.retrieve_workflow(handle.get_workflow_id()).get_result() == 100


def test_pending_workflow_is_recovered_on_relaunch(dbos):
    done = threading.Event()
    with SetWorkflowID("transfer-2"):
        DBOS.start_workflow(transfer, "a", "b", 5)
    DBOS.destroy(destroy_registry=False)
    DBOS(config=make_config())
    DBOS.launch()
    done.set()
    assert DBOS.retrieve_workflow("transfer-2").get_result() == 5
