"""Run the stand-in hub: ``python -m standin [--synthetic N] [--port P]``."""

from __future__ import annotations

import argparse
import signal
import sys

from standin.hub import SnapshotHub
from standin.server import StandinServer
from standin.synthetic import SyntheticHub


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--synthetic", type=int, metavar="N", help="serve N generated models instead of the snapshot"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    hub = SyntheticHub(size=args.synthetic, seed=args.seed) if args.synthetic else SnapshotHub.load()
    server = StandinServer(hub, host=args.host, port=args.port)
    print(f"stand-in hub on {server.url} (GitHub API at {server.github_url})", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.httpd.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.httpd.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
