"""Every photo of an album is rendered exactly once (never more than 2 jobs at the farm) and the album is
published exactly once with every photo in album order — also when a run dies mid-album and the command is
run again, and when a published album is run again."""

import json
from collections import Counter

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program


def write_album(tag: str, n: int) -> tuple[str, list[str]]:
    photos = [{"photo_id": f"ph-{tag}-{i}", "source": f"s3://originals/{tag}/{i}.cr3", "caption": f"{tag} {i}"}
              for i in range(1, n + 1)]
    folder = WORKSPACE / "albums-test"
    folder.mkdir(exist_ok=True)
    (folder / f"{tag}.json").write_text(json.dumps({"album_id": f"alb-{tag}", "title": f"Album {tag}", "photos": photos}))
    return f"albums-test/{tag}.json", [p["photo_id"] for p in photos]


def run(path: str, tag: str, **env: str):
    # One executor id per test: a restart recovers only that test's album, never another test's.
    files = {"RENDER_LOG": f"renders-{tag}.jsonl", "GALLERY_LOG": f"gallery-{tag}.jsonl"}
    return run_program("publish_album.py", path, env={**files, **env}, executor=f"albums-{tag}", timeout=50)


def output_of(done) -> dict:
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_published_once(tag: str, photo_ids: list[str], output: dict) -> None:
    renders = read_jsonl(f"renders-{tag}.jsonl")
    assert [r for r in renders if r["event"] == "rejected"] == [], "a job was sent while 2 were running"
    assert Counter(r["photo_id"] for r in renders) == Counter(photo_ids), "a photo was rendered twice (or never)"
    url_of = {r["photo_id"]: f"https://img.example-cdn.net/{r['photo_id']}/{r['job']:05d}/" for r in renders}
    pages = read_jsonl(f"gallery-{tag}.jsonl")
    assert len(pages) == 1, f"the album was published {len(pages)} times"
    expected = [(p, url_of[p]) for p in photo_ids]
    assert [(e["photo_id"], e["url"]) for e in pages[0]["photos"]] == expected
    assert output["album_id"] == f"alb-{tag}"
    assert output["gallery_url"] == f"https://gallery.example.net/albums/alb-{tag}"
    assert [(e["photo_id"], e["url"]) for e in output["photos"]] == expected
    assert [e["caption"] for e in output["photos"]] == [f"{tag} {p.rsplit('-', 1)[1]}" for p in photo_ids]


def test_album_is_rendered_and_published_once():
    path, photo_ids = write_album("a", 5)
    assert_published_once("a", photo_ids, output_of(run(path, "a")))


def test_run_killed_mid_album_then_run_again_renders_each_photo_once():
    path, photo_ids = write_album("k", 6)
    crashed = run(path, "k", RENDER_CRASH_ON_JOB="3")
    assert_crashed_at_drill(crashed, "renders-k.jsonl")
    assert read_jsonl("gallery-k.jsonl") == []
    assert_published_once("k", photo_ids, output_of(run(path, "k")))


def test_running_a_published_album_again_renders_and_publishes_nothing():
    path, photo_ids = write_album("r", 4)
    first = output_of(run(path, "r"))
    again = output_of(run(path, "r"))
    assert again == first
    assert_published_once("r", photo_ids, again)
