"""Outage auto-answer (issue 13): NSP's active outage notices answer the complaints they explain at intake."""
