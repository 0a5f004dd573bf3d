"""Rendition jobs survive restarts (finished once, still answerable by job id from the new process),
retried requests don't transcode twice while a job is waiting or running (but a request after it finished
does), and at most 2 transcodes run at once."""

import pytest

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, wait_until
from media_server import MediaServer


@pytest.fixture
def servers(request):
    started: list[MediaServer] = []

    def make(name: str, **env: str) -> MediaServer:
        tag = request.node.name[5:25]
        env = {"TRANSCODE_LOG": f"log-{tag}.jsonl", "DBOS__VMID": f"media-{tag}", **env}
        server = MediaServer(f"{tag}-{name}", **env)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()


def events(request, kind: str, video_id: str | None = None) -> list[dict]:
    log = read_jsonl(f"log-{request.node.name[5:25]}.jsonl")
    return [e for e in log if e["event"] == kind and (video_id is None or e["video_id"] == video_id)]


def test_a_rendition_job_runs_and_reports_done(servers, request):
    server = servers("api")
    job_id = server.request("intro", "720p")
    body = server.wait_done(job_id)
    assert body == {"job_id": job_id, "status": "done", "output": "s3://renditions/intro/720p.mp4"}
    assert len(events(request, "done", "intro")) == 1
    assert server.job("no-such-job").status_code == 404


def test_a_retried_request_returns_the_same_job_while_it_is_pending(servers, request):
    server = servers("api", TRANSCODE_S="2")
    first = server.request("keynote", "1080p")
    retried = server.request("keynote", "1080p")
    assert retried == first, "a retried POST for the same video and profile started another job"
    other = server.request("keynote", "480p")
    assert other != first, "different profiles of a video are different jobs"
    server.wait_done(first)
    server.wait_done(other)
    assert len([e for e in events(request, "done", "keynote") if e["profile"] == "1080p"]) == 1


def test_a_request_after_the_job_finished_renders_again(servers, request):
    server = servers("api", TRANSCODE_S="0.2")
    first = server.request("trailer", "720p")
    server.wait_done(first)
    second = server.request("trailer", "720p")
    assert second != first, "asking again after the job finished must start a new job"
    server.wait_done(second)
    assert len(events(request, "done", "trailer")) == 2


def test_at_most_two_transcodes_run_at_once(servers, request):
    server = servers("api", TRANSCODE_S="0.6")
    jobs = [server.request(f"clip{n}", "720p") for n in range(6)]
    for job_id in jobs:
        server.wait_done(job_id)
    starts = events(request, "start")
    assert len(starts) == 6
    assert max(e["running"] for e in starts) <= 2, f"{max(e['running'] for e in starts)} transcodes ran at once"


def test_jobs_survive_a_restart_and_stay_answerable(servers, request):
    first = servers("before", TRANSCODE_S="2")
    jobs = {f"talk{n}": first.request(f"talk{n}", "720p") for n in range(3)}
    wait_until(lambda: events(request, "start"), timeout=30, message="a transcode to start")
    first.kill()
    assert_crashed_at_drill(first.proc, f"log-{request.node.name[5:25]}.jsonl")
    second = servers("after", TRANSCODE_S="0.2")
    for video_id, job_id in jobs.items():
        body = second.wait_done(job_id)
        assert body["output"] == f"s3://renditions/{video_id}/720p.mp4"
    for video_id in jobs:
        assert len(events(request, "done", video_id)) == 1, f"{video_id} was stored {len(events(request, 'done', video_id))} times"
