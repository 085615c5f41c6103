"""Builders for drive tests: valid identity numbers, GraphQL posts, join form posts."""

from __future__ import annotations

import itertools
import json
import re

from django.test import Client

_people = itertools.count(1)


def resident_id(n: int | None = None, *, born: str = "19900101", area: str = "330122") -> str:
    """A valid 18-digit resident identity number (GB 11643 check character), unique per call."""
    from people.identity import check_character

    n = next(_people) if n is None else n
    first17 = f"{area}{born}{n % 1000:03d}"
    return first17 + check_character(first17)


def gql(client: Client, host: str, query: str, variables: dict | None = None) -> dict:
    response = client.post(
        "/graphql/",
        data=json.dumps({"query": query, "variables": variables or {}}),
        content_type="application/json",
        HTTP_HOST=host,
    )
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    assert "errors" not in body, body["errors"]
    return body["data"]


PHONE_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.40"
)


def csrf_token_from(response) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert match, "the form carries no CSRF token"
    return match.group(1).decode()
