"""The hub's mail ingress: offline departments' e-mailed answers (``POST /mail/inbound``, docs/offline-mail.md)."""
