"""The API's contract on the local gateway: docs/openapi.json at /openapi.json, Swagger UI at /docs.

The document is the committed one (infra/openapi.py writes it; a test fails when it is stale), and
Swagger UI's script and styles are the copies Powertools ships, served inline: no CDN, no internet.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files

from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html
from werkzeug.wrappers import Response

from infra.openapi import SPEC_PATH

SPEC_ROUTE = "/openapi.json"
SWAGGER_ROUTE = "/docs"
_SWAGGER_ASSETS = files("aws_lambda_powertools.event_handler.openapi.swagger_ui")


def docs_response(method: str, path: str) -> Response | None:
    """The document or its Swagger UI page for GET on their paths; None for every other request."""
    if method not in {"GET", "HEAD"}:
        return None
    if path == SPEC_ROUTE:
        return Response(_spec(), content_type="application/json")
    if path == SWAGGER_ROUTE:
        return Response(_swagger_page(), content_type="text/html; charset=utf-8")
    return None


@cache
def _spec() -> str:
    return SPEC_PATH.read_text(encoding="utf-8")


@cache
def _swagger_page() -> str:
    # Swagger UI reads the document from the page itself, so /docs works without /openapi.json too.
    spec = json.dumps(json.loads(_spec()))
    script = (_SWAGGER_ASSETS / "swagger-ui-bundle.min.js").read_text(encoding="utf-8")
    styles = (_SWAGGER_ASSETS / "swagger-ui.min.css").read_text(encoding="utf-8")
    return generate_swagger_html(spec, script, styles, swagger_base_url="", oauth2_config=None)
