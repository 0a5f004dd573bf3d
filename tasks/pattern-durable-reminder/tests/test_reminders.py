import pytest

from clinic_server import ClinicServer, now, texts, wait_for_text, wait_until

OUTBOX = "sms-main.jsonl"
LEAD = 1.0  # REMINDER_LEAD_S for these tests


@pytest.fixture(scope="module")
def clinic():
    server = ClinicServer("clinic-main", SMS_OUTBOX=OUTBOX, REMINDER_LEAD_S=str(LEAD), DBOS__VMID="main-pod").start()
    yield server
    server.stop()


def test_booking_texts_a_confirmation_and_the_reminder_on_time(clinic):
    starts_at = now() + LEAD + 2.0
    booked = clinic.book("A-100", starts_at)
    assert booked.status_code == 201, booked.text[:300]
    assert wait_for_text(OUTBOX, "A-100", "confirmation", timeout=5)
    assert clinic.status("A-100") == "booked"
    reminder = wait_for_text(OUTBOX, "A-100", "reminder", timeout=15)
    due = starts_at - LEAD
    assert due - 0.2 <= reminder["sent_at"] <= due + 2.0, f"reminder sent {reminder['sent_at'] - due:+.2f}s from due"
    wait_until(lambda: clinic.status("A-100") == "reminded", timeout=5, message="status reminded")
    assert len(texts(OUTBOX, "A-100", "confirmation")) == 1 and len(texts(OUTBOX, "A-100", "reminder")) == 1


def test_a_retried_booking_texts_only_once(clinic):
    starts_at = now() + 3600
    assert clinic.book("A-101", starts_at).status_code == 201
    again = clinic.book("A-101", starts_at)
    assert again.status_code == 200, again.text[:300]
    wait_for_text(OUTBOX, "A-101", "confirmation", timeout=5)
    assert len(texts(OUTBOX, "A-101", "confirmation")) == 1


def test_a_cancelled_appointment_gets_no_reminder(clinic):
    starts_at = now() + LEAD + 1.5
    assert clinic.book("A-102", starts_at).status_code == 201
    wait_for_text(OUTBOX, "A-102", "confirmation", timeout=5)
    cancelled = clinic.client.post("/appointments/A-102/cancel")
    assert cancelled.status_code == 200, cancelled.text[:300]
    wait_for_text(OUTBOX, "A-102", "cancellation", timeout=10)
    wait_until(lambda: clinic.status("A-102") == "cancelled", timeout=5, message="status cancelled")
    wait_until(lambda: now() > starts_at - LEAD + 1.0, timeout=10, message="the reminder's due time to pass")
    assert texts(OUTBOX, "A-102", "reminder") == []


def test_unknown_appointments_are_404(clinic):
    assert clinic.client.get("/appointments/nope").status_code == 404
    assert clinic.client.post("/appointments/nope/cancel").status_code == 404
