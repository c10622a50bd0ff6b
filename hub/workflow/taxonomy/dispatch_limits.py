"""What the command sets let a dispatch carry, so the taxonomy check refuses a template no dispatch could satisfy.

A template is only usable if the documents that carry its fields can: ``wo:Dispatch`` (and ``wo:CreateWorkOrder``)
from the front end, ``nsp:NetworkComplaintDispatch`` to the network. A field name longer than ``wo:FieldName``
allows, more required fields than ``wo:Dispatch`` takes, or a choice longer than a field's value type would pass a
check that only knows the TOML, the hub would start, and every dispatch of the phenomena would be refused for ever
(as missing without the field, as invalid XML with it). These are the schemas' facts, as constants (the taxonomy
is checked without parsing XSDs); ``tests/unit/workflow/test_taxonomy_dispatch_limits.py`` reads the XSDs and
asserts they still agree.
"""

from __future__ import annotations

__all__ = ["CHECKS_DONE", "DISPATCH_FIELDS", "FIELD_NAME_LENGTH", "FIELD_VALUE_LENGTH", "FUNCTION_CODES",
           "HUB_ADDED_FIELDS", "LONG_TEXT", "SHORT_TEXT"]

FIELD_NAME_LENGTH = 40  # wo:FieldName, nsp:FieldName: [a-z][a-z0-9_]{0,39}
DISPATCH_FIELDS = 40  # wo:Field's maxOccurs in wo:Dispatch and wo:CreateWorkOrder (nsp:Field's too)
FIELD_VALUE_LENGTH = 200  # wo:DispatchField's (nsp:DispatchField's) content: c:ShortText's maxLength
# QueryTemplate's answer (wo:DispatchTemplate) carries every name and label as c:ShortText, each intake question,
# pre-processing check and pattern as c:LongText: a longer one would make the answer fail its own schema
SHORT_TEXT = 200  # c:ShortText's maxLength
LONG_TEXT = 4000  # c:LongText's maxLength
# nsp:CheckDone's maxOccurs (and wo:CheckDone's): a dispatch carries each pre-processing check the agent made, so a
# template lists at most this many (a check beyond it could be made but never reach NSP)
CHECKS_DONE = 10
# the fields the hub fills in from the work order when a dispatch does not carry them (hub.workflow.dispatch_effects)
HUB_ADDED_FIELDS = ("msisdn", "contact_number")
FUNCTION_CODES = ("ORIGINATE_CALL", "RECEIVE_CALL", "CALL_QUALITY", "SEND_SMS", "RECEIVE_SMS", "MMS", "DATA",
                  "VOLTE", "ROAMING", "SIGNAL")  # nsp:FunctionAffected's enumeration, in the schema's order
