"""Observability: structured, masked logs (and, with the backbone, metrics)."""

from hub.observability.logging import JsonFormatter, MaskingFilter, configure_logging, mask_msisdn

__all__ = ["JsonFormatter", "MaskingFilter", "configure_logging", "mask_msisdn"]
