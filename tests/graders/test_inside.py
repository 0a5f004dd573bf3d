"""The harness reads files the graded code wrote (test reports, side-effect files) as root on the host: what the
code planted there (symlinks to host files, FIFOs, devices) must never be followed, block, or read forever."""

import os
import threading

import pytest

from graders.inside import Tampered, read_inside, read_text_inside


@pytest.fixture()
def ws(tmp_path):
    (tmp_path / "ws" / "sub").mkdir(parents=True)
    (tmp_path / "ws" / "sub" / "ok.txt").write_text("fine\n")
    (tmp_path / "secret.txt").write_text("host secret\n")
    return tmp_path / "ws"


def test_a_regular_file_inside_is_read_and_a_missing_one_is_none(ws):
    assert read_inside(ws, "sub/ok.txt") == b"fine\n"
    assert read_inside(ws, "sub/missing.txt") is None
    assert read_inside(ws, "nowhere/missing.txt") is None
    assert read_inside(ws, "sub/ok.txt", limit=2) == b"fi"


@pytest.mark.parametrize("plant", ["file-symlink", "dir-symlink", "absolute-symlink"])
def test_a_symlink_anywhere_on_the_path_is_refused(ws, plant):
    if plant == "file-symlink":
        os.symlink(ws.parent / "secret.txt", ws / "sub" / "report.xml")
        rel = "sub/report.xml"
    elif plant == "dir-symlink":
        os.symlink(ws.parent, ws / "escape")
        rel = "escape/secret.txt"
    else:
        os.symlink("/etc/passwd", ws / "passwd")
        rel = "passwd"
    with pytest.raises(Tampered):
        read_inside(ws, rel)
    assert read_text_inside(ws, rel) == ""


def test_dot_dot_and_absolute_paths_are_refused(ws):
    for rel in ("../secret.txt", "/etc/passwd", "sub/../../secret.txt"):
        with pytest.raises(Tampered):
            read_inside(ws, rel)


def test_a_fifo_does_not_block_and_a_device_is_not_read_forever(ws):
    os.mkfifo(ws / "progress.txt")
    os.symlink("/dev/zero", ws / "zero")
    done = []
    reader = threading.Thread(target=lambda: done.append(read_text_inside(ws, "progress.txt")), daemon=True)
    reader.start()
    reader.join(5)
    assert done == [""], "reading a FIFO planted by the graded code blocked the harness"
    with pytest.raises(Tampered):
        read_inside(ws, "zero")
