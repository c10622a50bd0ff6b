"""XML namespaces of the command sets that are not one set's own (each set's namespace is in its XSD)."""

from __future__ import annotations

__all__ = ["COMMON_NS"]

COMMON_NS = "urn:onepoint:common:1"  # common.xsd: message header, Ack, Error, shared types
