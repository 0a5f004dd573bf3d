"""A restart of the service while a reminder is pending."""

from clinic_server import ClinicServer, now, texts, wait_for_text, wait_until

OUTBOX = "sms-restart.jsonl"
LEAD = 1.0
POD = dict(SMS_OUTBOX=OUTBOX, REMINDER_LEAD_S=str(LEAD), DBOS__VMID="restarting-pod")


def test_reminder_pending_during_a_crash_goes_out_on_time_after_restart():
    before = ClinicServer("clinic-restart", **POD).start()
    try:
        starts_at = now() + LEAD + 8.0
        assert before.book("B-200", starts_at).status_code == 201
        confirmed = wait_for_text(OUTBOX, "B-200", "confirmation", timeout=5)
        # the crash comes a while into the wait, not right after the confirmation
        wait_until(lambda: now() > confirmed["sent_at"] + 3.0, timeout=10, message="three seconds into the wait")
    finally:
        before.kill()
    after = ClinicServer("clinic-restart", **POD).start()
    try:
        assert after.status("B-200") in ("booked", "reminded"), "the booking was lost in the restart"
        reminder = wait_for_text(OUTBOX, "B-200", "reminder", timeout=20)
        wait_until(lambda: after.status("B-200") == "reminded", timeout=5, message="status reminded")
    finally:
        after.stop()
    due = starts_at - LEAD
    assert reminder["sent_at"] >= due - 0.2, "the reminder went out early"
    assert reminder["sent_at"] <= due + 2.5, (
        f"the reminder went out {reminder['sent_at'] - due:.1f}s late: the wait restarted from scratch")
    assert len(texts(OUTBOX, "B-200", "confirmation")) == 1, "the confirmation was texted again after the restart"
    assert len(texts(OUTBOX, "B-200", "reminder")) == 1
