"""CRM adapter."""
