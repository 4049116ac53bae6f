#!/usr/bin/env python3
"""Serves dist/ on 127.0.0.1 with the page's security headers.

The Content-Security-Policy is the one in dist/index.html's <meta> tag (the
one place it is written), plus what only a header can say:
frame-ancestors 'none'. Also X-Content-Type-Options: nosniff and
Referrer-Policy: no-referrer. The browser tests serve through this script,
so they check the headers a user gets.

    python3 scripts/serve.py [--port 8080] [--dir dist]
"""

import argparse
import functools
import http.server
import re
import sys
from pathlib import Path


def policy(index: Path) -> str:
    html = index.read_text(encoding="utf-8")
    m = re.search(r'http-equiv="Content-Security-Policy"\s+content="([^"]+)"', html)
    if not m:
        sys.exit(f"error: {index} has no Content-Security-Policy meta tag")
    return m.group(1).rstrip("; ") + "; frame-ancestors 'none'"


class Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
        ".svg": "image/svg+xml",
    }

    def __init__(self, *args, csp: str, **kwargs):
        self.csp = csp
        super().__init__(*args, **kwargs)

    def end_headers(self):
        self.send_header("Content-Security-Policy", self.csp)
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def log_message(self, fmt, *args):
        if "--quiet" not in sys.argv:
            super().log_message(fmt, *args)


class Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # A browser that closes a connection mid-download (a test ending, a
        # reload) is not an error worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    p.add_argument("--dir", default="dist")
    p.add_argument("--quiet", action="store_true")
    a = p.parse_args()
    root = Path(a.dir)
    handler = functools.partial(Handler, directory=str(root), csp=policy(root / "index.html"))
    server = Server(("127.0.0.1", a.port), handler)
    # The port on the first line, for scripts that start it with --port 0.
    print(f"serving http://127.0.0.1:{server.server_address[1]}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
