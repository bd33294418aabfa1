"""Serve the SES tenant double over HTTP, for any SDK or tool.

    ses-tenants-double --port 5005          # or: python -m ses_tenants.testing.server
    AWS_ENDPOINT_URL=http://127.0.0.1:5005 <your program>

It is moto's ``ThreadedMotoServer`` (every moto service is served, reset with
``POST /moto-api/reset``) with the tenant operations installed before the first request.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING

from ses_tenants.double_command import MISSING_EXTRA

if TYPE_CHECKING:
    from moto.server import ThreadedMotoServer

# moto (and botocore) come with the [testing] extra, imported when the server starts, so
# that `ses-tenants-double` without them says what to install instead of crashing.

DEFAULT_PORT = 5005


def start_server(port: int = 0, host: str = "127.0.0.1") -> tuple[ThreadedMotoServer, str]:
    """Start the double on ``host:port`` (0: a free port) in a background thread.

    Returns the server (call ``.stop()`` when done) and its endpoint URL.
    """
    from moto.server import ThreadedMotoServer

    from .install import install

    install()
    _require_free(host, port)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


def _require_free(host: str, port: int) -> None:
    # ThreadedMotoServer.start() waits forever if its thread cannot bind: fail fast instead.
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            raise OSError(f"cannot serve on {host}:{port}: {error.strerror}") from error


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ses-tenants-double",
        description="Serve the Amazon SES v2 tenant API double (moto + tenants) over HTTP.",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help="0 picks a free port")
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args(argv)

    try:
        import moto.server  # noqa: F401
    except ModuleNotFoundError as error:
        print(MISSING_EXTRA.format(name=error.name), file=sys.stderr)
        return 2
    try:
        server, endpoint = start_server(port=args.port, host=args.host)
    except OSError as error:
        parser.exit(1, f"ses-tenants-double: {error}\n")
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"SES tenant double listening on {endpoint} (AWS_ENDPOINT_URL={endpoint})", flush=True)
    stop.wait()
    server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
