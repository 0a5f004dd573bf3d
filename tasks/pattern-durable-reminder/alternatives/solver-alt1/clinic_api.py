"""Appointment reminders for the clinic's booking system.

    python clinic_api.py        # listens on CLINIC_BIND (default 127.0.0.1:8080; production uses a unix socket)

When the booking system books an appointment we text the patient a confirmation, and REMINDER_LEAD_S
seconds before the appointment (default: one day) a reminder. Cancelled appointments get a cancellation
text and no reminder.

Each appointment is a durable DBOS workflow (ID ``appointment-<appointment_id>``) checkpointed in the system
database named by DBOS_SYSTEM_DATABASE_URL. It texts the confirmation once, then waits durably until the
reminder is due or a cancellation message arrives, whichever comes first. After a restart DBOS resumes the
wait with the time that remains (or sends the reminder at once if it became due while we were down).
The workflow publishes the appointment's status in its ``status`` event.
"""

import os
import time
from datetime import datetime, timezone
from typing import Optional

from flask import Flask, abort, jsonify, request

from dbos import DBOS, DBOSConfig, SetWorkflowID

import sms

DEFAULT_REMINDER_LEAD_S = 86400.0
CANCEL_TOPIC = "cancel"
STATUS_EVENT = "status"

app = Flask(__name__)


def reminder_lead_s() -> float:
    return float(os.environ.get("REMINDER_LEAD_S", DEFAULT_REMINDER_LEAD_S))


def appointment_workflow_id(appointment_id: str) -> str:
    return f"appointment-{appointment_id}"


def when(starts_at: float) -> str:
    return datetime.fromtimestamp(starts_at, timezone.utc).strftime("%a %d %b %H:%M UTC")


# --- Steps ----------------------------------------------------------------------------------------------


@DBOS.step()
def send_sms(phone: str, kind: str, appointment_id: str, text: str) -> None:
    sms.send(phone, kind, appointment_id, text)


@DBOS.step()
def now() -> float:
    return time.time()


# --- Workflow -------------------------------------------------------------------------------------------


@DBOS.workflow()
def appointment_workflow(appointment_id: str, phone: str, starts_at: float, lead_s: float) -> str:
    DBOS.set_event(STATUS_EVENT, "booked")
    send_sms(phone, "confirmation", appointment_id, f"Your appointment is booked for {when(starts_at)}.")

    # Wait until the reminder is due, unless the appointment is cancelled first. The deadline is
    # checkpointed, so a restarted service waits only for the remaining time.
    delay = max(0.0, starts_at - lead_s - now())
    cancellation = DBOS.recv(CANCEL_TOPIC, timeout_seconds=delay)
    if cancellation is not None:
        send_sms(phone, "cancellation", appointment_id, "Your appointment has been cancelled.")
        DBOS.set_event(STATUS_EVENT, "cancelled")
        return "cancelled"

    send_sms(phone, "reminder", appointment_id, f"Reminder: your appointment is on {when(starts_at)}.")
    DBOS.set_event(STATUS_EVENT, "reminded")
    return "reminded"


# --- HTTP -----------------------------------------------------------------------------------------------


def current_status(appointment_id: str) -> Optional[str]:
    """The appointment's status as last reported by its workflow; None if we don't know it."""
    workflow_id = appointment_workflow_id(appointment_id)
    status = DBOS.get_event(workflow_id, STATUS_EVENT, timeout_seconds=0)
    if status is not None:
        return status
    if DBOS.get_workflow_status(workflow_id) is None:
        return None
    return "booked"  # started, but has not published its first status yet


@app.post("/appointments")
def book():
    body = request.get_json()
    appointment_id, phone, starts_at = body["appointment_id"], body["phone"], float(body["starts_at"])
    existing = current_status(appointment_id)
    if existing is not None:  # the booking system retries: don't text twice
        return jsonify(appointment_id=appointment_id, status=existing), 200
    # The appointment ID is the workflow ID, so even concurrent retries start one workflow.
    with SetWorkflowID(appointment_workflow_id(appointment_id)):
        DBOS.start_workflow(appointment_workflow, appointment_id, phone, starts_at, reminder_lead_s())
    return jsonify(appointment_id=appointment_id, status="booked"), 201


@app.post("/appointments/<appointment_id>/cancel")
def cancel(appointment_id: str):
    status = current_status(appointment_id)
    if status is None:
        abort(404)
    if status == "booked":
        workflow_id = appointment_workflow_id(appointment_id)
        DBOS.send(workflow_id, "cancel", topic=CANCEL_TOPIC, idempotency_key=f"cancel-{appointment_id}")
        # The workflow texts the cancellation (or, if the reminder just went out, reports "reminded").
        status = DBOS.retrieve_workflow(workflow_id).get_result()
    return jsonify(appointment_id=appointment_id, status=status)


@app.get("/appointments/<appointment_id>")
def status(appointment_id: str):
    current = current_status(appointment_id)
    if current is None:
        abort(404)
    return jsonify(appointment_id=appointment_id, status=current)


def main() -> None:
    config: DBOSConfig = {
        "name": "clinic-reminders",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        bind = os.environ.get("CLINIC_BIND", "127.0.0.1:8080")
        if bind.startswith("unix://"):
            app.run(host=bind, port=0, threaded=True)
        else:
            host, port = bind.rsplit(":", 1)
            app.run(host=host, port=int(port), threaded=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
