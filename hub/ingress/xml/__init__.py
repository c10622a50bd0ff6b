"""XML-over-HTTP ingress."""
