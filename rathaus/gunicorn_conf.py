"""gunicorn configuration of ``rathaus serve`` (loaded with ``-c python:rathaus.gunicorn_conf``).

gunicorn writes ``Server: gunicorn`` (with its version) into every answer and has no setting to leave it out;
it tells an attacker what to look up. The master imports this module before it forks its workers, so the
workers inherit responses without that header.
"""

from __future__ import annotations

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_without_server  # type: ignore[method-assign]
