"""The two sides of the backbone benchmark: raw pika (with and without validation) and the hub."""
