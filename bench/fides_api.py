"""Fides 2.86.2 through its REST API, for ``bench.fides``: token, the shop's connection and
dataset, local JSON storage, an access policy, and one access request at a time.

Only what the benchmark needs, with Fides's own endpoints (``fides.common.urn_registry``).
"""

from __future__ import annotations

import time
from typing import Any

import httpx

DATASET_KEY = "benkebutikk"
CONNECTION_KEY = "benkebutikk_pg"
STORAGE_KEY = "bench_local"
POLICY_KEY = "bench_access"
RULE_KEY = "bench_access_rule"


class Fides:
    def __init__(self, base: str, client_id: str, client_secret: str) -> None:
        self.api = f"{base}/api/v1"
        self.http = httpx.Client(timeout=120)
        token = self.http.post(
            f"{self.api}/oauth/token",
            data={"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"},
        )
        token.raise_for_status()
        self.http.headers["Authorization"] = f"Bearer {token.json()['access_token']}"

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        response = self.http.request(method, f"{self.api}{path}", json=json)
        if response.status_code >= 400:
            raise SystemExit(f"Fides {method} {path}: {response.status_code} {response.text[:2000]}")
        body = response.json() if response.content else None
        if isinstance(body, dict) and body.get("failed"):
            raise SystemExit(f"Fides {method} {path}: failed {body['failed']}")
        return body

    def configure(self, database: str) -> None:
        """Connection to the shop (read), its dataset, local JSON storage, an access policy
        whose rule takes every ``user`` category."""
        self._call("PATCH", "/connection", [
            {"name": "Benkebutikken", "key": CONNECTION_KEY, "connection_type": "postgres", "access": "read"}
        ])
        self._call("PUT", f"/connection/{CONNECTION_KEY}/secret", {
            "host": "127.0.0.1", "port": 5432, "dbname": database, "username": "postgres", "password": "postgres",
        })
        self._call("PATCH", f"/connection/{CONNECTION_KEY}/dataset", [dataset()])
        self._call("PATCH", "/storage/config", [
            {"name": "Bench local", "key": STORAGE_KEY, "type": "local", "format": "json",
             "details": {"naming": "request_id"}}
        ])
        self._call("PATCH", "/dsr/policy", [{"name": "Bench access", "key": POLICY_KEY}])
        self._call("PATCH", f"/dsr/policy/{POLICY_KEY}/rule", [
            {"name": "Access", "key": RULE_KEY, "action_type": "access", "storage_destination_key": STORAGE_KEY}
        ])
        self._call("PATCH", f"/dsr/policy/{POLICY_KEY}/rule/{RULE_KEY}/target", [
            {"name": "All user data", "key": "bench_user", "data_category": "user"}
        ])

    def access_request(self, email: str, timeout: float = 120) -> tuple[str, str]:
        """Submit one access request and wait until Fides says it is done: (id, status)."""
        body = self._call("POST", "/privacy-request", [{"identity": {"email": email}, "policy_key": POLICY_KEY}])
        [created] = body["succeeded"]
        request_id, status = created["id"], created["status"]
        deadline = time.monotonic() + timeout
        while status not in ("complete", "error", "canceled", "denied"):
            if time.monotonic() > deadline:
                raise SystemExit(f"Fides request {request_id} still {status} after {timeout:g} s")
            time.sleep(0.02)
            found = self._call("GET", f"/privacy-request?request_id={request_id}")
            status = found["items"][0]["status"]
        return request_id, status


def dataset() -> dict[str, Any]:
    """The shop's two tables as a Fides dataset: customers by e-mail, orders by reference."""
    def field(name: str, category: str, **meta: Any) -> dict[str, Any]:
        item: dict[str, Any] = {"name": name, "data_categories": [category]}
        if meta:
            item["fides_meta"] = meta
        return item

    return {
        "fides_key": DATASET_KEY,
        "name": "Benkebutikken",
        "collections": [
            {"name": "customer", "fields": [
                field("id", "user.unique_id", primary_key=True, data_type="integer"),
                field("first_name", "user.name"),
                field("last_name", "user.name"),
                field("email", "user.contact.email", identity="email", data_type="string"),
                field("phone", "user.contact.phone_number"),
                field("created_at", "user"),
            ]},
            {"name": "orders", "fields": [
                field("id", "user", primary_key=True, data_type="integer"),
                field("customer_id", "user.unique_id", data_type="integer",
                      references=[{"dataset": DATASET_KEY, "field": "customer.id", "direction": "from"}]),
                field("ordered_on", "user"),
                field("total", "user"),
            ]},
        ],
    }
