"""Runs inside the Claude Code sandbox (standard library only): ``forward.py PORT SOCKET -- CLI ARGS...``.

The sandbox's network namespace has nothing but loopback. This script listens on 127.0.0.1:PORT, passes every
connection to the harness's API proxy through the Unix socket SOCKET (bound into the sandbox), then runs the CLI
with ``ANTHROPIC_BASE_URL=http://127.0.0.1:PORT`` and exits with its exit code. Listening before the CLI starts
means its first request never races the forwarder.
"""

import socket
import subprocess
import sys
import threading


def pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for sock in (src, dst):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def serve(listener: socket.socket, target: str) -> None:
    while True:
        client, _ = listener.accept()
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(target)
        except OSError:
            client.close()
            continue
        threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()


def main() -> int:
    port, target, sep, *argv = sys.argv[1:]
    assert sep == "--" and argv, "usage: forward.py PORT SOCKET -- CLI ARGS..."
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", int(port)))
    listener.listen(64)
    threading.Thread(target=serve, args=(listener, target), daemon=True).start()
    return subprocess.run(argv, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
