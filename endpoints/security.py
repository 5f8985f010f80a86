"""Security headers on every response of the application, in one place.

:func:`install` registers :func:`secure` as an ``after_request`` function of the application,
so every blueprint's responses get the headers, and so do error pages (Flask's own 404, 405,
413 and 500 pages, and the 410, 429 and 503 answers of the blueprints): Flask runs
``after_request`` functions on the responses of error handlers as well.

- ``Content-Security-Policy``: resources from this origin only; no inline script or style (the
  pages link ``/static/yuliao.css`` and ``/static/sparql.js``; the JSON-LD data block of
  record pages is not executed and so is not script in the CSP's sense); no plugins; no
  ``<base>``; forms post to this origin; and ``frame-ancestors 'none'`` (with the older
  ``X-Frame-Options: DENY``): no page may be framed.
- ``X-Content-Type-Options: nosniff``: browsers keep to the declared media type.
- ``Referrer-Policy: strict-origin-when-cross-origin``: other sites see our origin only.
- No ``Server`` header from the application. The WSGI server adds its own (werkzeug's
  development server its version, always); the production server is set up not to.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def secure(response: Response) -> Response:
    """``response`` with the security headers (replacing any of the same name) and without
    a ``Server`` header."""
    for name, value in HEADERS.items():
        response.headers[name] = value
    response.headers.pop("Server", None)
    return response


def install(app: Flask) -> None:
    """Adds the security headers to every response of ``app``."""
    app.after_request(secure)
