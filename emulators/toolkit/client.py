"""A Python client for the emulator admin API (tests, ``onepoint emulator journal ...``).

::

    admin = EmulatorAdmin("http://127.0.0.1:8101")
    admin.add_fault("error", operation="QueryCustomerTier", probability=0.2, status=503)
    admin.count(operation="QueryCustomerTier", xpath="//b:msisdn='13800138000'", namespaces={"b": BOSS_NS})
    admin.reset()

It can also talk to an emulator without a socket: ``EmulatorAdmin(client=httpx.Client(transport=...))``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import Any

import httpx

__all__ = ["AdminAPIError", "EmulatorAdmin"]


class AdminAPIError(RuntimeError):
    """The admin API refused a call (4xx/5xx), or what answered is not the admin API (no JSON object); ``status``
    and the server's ``error`` message (or what was wrong with the answer) are kept."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"admin API answered {status}: {message}")
        self.status = status
        self.message = message


def _query(
    operation: str | None, xpath: str | None, namespaces: Mapping[str, str] | None, status: int | None,
    fault: str | None,
) -> list[tuple[str, str]]:
    params: list[tuple[str, str]] = []
    if operation is not None:
        params.append(("operation", operation))
    if xpath is not None:
        params.append(("xpath", xpath))
    for prefix, uri in (namespaces or {}).items():
        params.append(("ns", f"{prefix}={uri}"))
    if status is not None:
        params.append(("status", str(status)))
    if fault is not None:
        params.append(("fault", fault))
    return params


class EmulatorAdmin:
    """Synchronous client of one emulator's ``/__admin/`` API. Reuses one ``httpx.Client``."""

    def __init__(
        self, base_url: str | None = None, *, client: httpx.Client | None = None, timeout: float = 10.0
    ) -> None:
        if client is None:
            if base_url is None:
                raise ValueError("give a base_url or an httpx.Client")
            client = httpx.Client(base_url=base_url, timeout=timeout)
            self._owns_client = True
        else:
            self._owns_client = False
        self.client = client

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.client.request(method, f"/__admin/{path}", **kwargs)
        try:
            answer = response.json()
        except ValueError:
            answer = None
        if response.status_code >= 400:
            message = answer.get("error") if isinstance(answer, dict) else None
            raise AdminAPIError(response.status_code, str(message or response.text))
        if not isinstance(answer, dict):  # a wrong port, a proxy's page: say so, not a JSONDecodeError
            kind = response.headers.get("content-type") or "no content type"
            raise AdminAPIError(response.status_code, f"the answer from {response.request.url} is {kind}, not a "
                                "JSON object: is this an emulator's base URL?")
        return answer

    # faults
    def add_fault(self, kind: str, operation: str | None = None, **params: Any) -> dict[str, Any]:
        """Install a fault; ``params`` are the fault's JSON fields (``probability``, ``seconds``, ``status``...)."""
        spec = {"kind": kind, **params}
        if operation is not None:
            spec["operation"] = operation
        result: dict[str, Any] = self._call("POST", "faults", json=spec)
        return result

    def faults(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self._call("GET", "faults")["faults"]
        return result

    def fault(self, fault_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", f"faults/{fault_id}")
        return result

    def delete_fault(self, fault_id: str) -> None:
        self._call("DELETE", f"faults/{fault_id}")

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    # journal
    def journal(
        self, *, operation: str | None = None, xpath: str | None = None, namespaces: Mapping[str, str] | None = None,
        status: int | None = None, fault: str | None = None, limit: int | None = None, bodies: bool = True,
    ) -> list[dict[str, Any]]:
        """Journal entries matching every given filter, oldest first (``limit``: only the newest N)."""
        params = _query(operation, xpath, namespaces, status, fault)
        if limit is not None:
            params.append(("limit", str(limit)))
        if not bodies:
            params.append(("bodies", "0"))
        result: list[dict[str, Any]] = self._call("GET", "journal", params=params)["entries"]
        return result

    def count(
        self, operation: str | None = None, *, xpath: str | None = None, namespaces: Mapping[str, str] | None = None,
        status: int | None = None, fault: str | None = None,
    ) -> int:
        """How many journalled requests match every given filter."""
        result: int = self._call("GET", "journal/count", params=_query(operation, xpath, namespaces, status, fault))[
            "count"
        ]
        return result

    def count_details(
        self, operation: str | None = None, *, xpath: str | None = None, namespaces: Mapping[str, str] | None = None,
        status: int | None = None, fault: str | None = None,
    ) -> dict[str, Any]:
        """``count``, ``by_operation``, ``unsearchable`` (requests stored truncated, which an XPath cannot judge) and
        ``dropped`` (entries the journal pushed out since the last reset)."""
        result: dict[str, Any] = self._call("GET", "journal/count",
                                            params=_query(operation, xpath, namespaces, status, fault))
        return result

    def count_by_operation(self, **filters: Any) -> dict[str, int]:
        params = _query(filters.get("operation"), filters.get("xpath"), filters.get("namespaces"),
                        filters.get("status"), filters.get("fault"))
        result: dict[str, int] = self._call("GET", "journal/count", params=params)["by_operation"]
        return result

    def clear_journal(self) -> None:
        self._call("DELETE", "journal")

    # emulator
    def reset(self, seed: int | str | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self._call("POST", "reset", json={} if seed is None else {"seed": seed})
        return result

    def state(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "state")
        return result

    def health(self) -> dict[str, Any]:
        result: dict[str, Any] = self._call("GET", "health")
        return result

    def close(self) -> None:
        if self._owns_client:
            self.client.close()

    def __enter__(self) -> EmulatorAdmin:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
