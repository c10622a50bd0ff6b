"""Observability: structured, masked logs (and, with the backbone, metrics)."""

from hub.observability.logging import (
    LOG_FORMATS,
    JsonFormatter,
    LogFormat,
    MaskingFilter,
    TextFormatter,
    configure_logging,
    mask_msisdn,
)

__all__ = ["LOG_FORMATS", "JsonFormatter", "LogFormat", "MaskingFilter", "TextFormatter", "configure_logging",
           "mask_msisdn"]
