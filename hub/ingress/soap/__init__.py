"""The hub's SOAP 1.1 endpoint (``/soap/<set>``), built on the SOAP library `hub.soap`."""
