"""SOAP 1.1 ingress (spyne)."""
