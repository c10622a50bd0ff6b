"""XML namespaces of the command sets: one place for every module that reads or writes their documents.

Each set's XSD (``schemas/<set>.xsd``) declares the same value as its ``targetNamespace``; a unit test checks
that they agree.
"""

from __future__ import annotations

__all__ = ["BOSS_NS", "COMMON_NS", "CRM_NS", "DSMP_NS", "MAIL_NS", "NSP_NS", "OA_NS", "SET_NAMESPACES", "WORKORDER_NS"]

COMMON_NS = "urn:onepoint:common:1"  # common.xsd: message header, Ack, Error, shared types
BOSS_NS = "urn:onepoint:boss:1"
CRM_NS = "urn:onepoint:crm:1"
DSMP_NS = "urn:onepoint:dsmp:1"
MAIL_NS = "urn:onepoint:mail:1"  # mail.xsd: offline departments by e-mail
NSP_NS = "urn:onepoint:nsp:1"
OA_NS = "urn:onepoint:oa:1"
WORKORDER_NS = "urn:onepoint:workorder:1"

SET_NAMESPACES = {"boss": BOSS_NS, "crm": CRM_NS, "dsmp": DSMP_NS, "mail": MAIL_NS, "nsp": NSP_NS, "oa": OA_NS,
                  "workorder": WORKORDER_NS}
