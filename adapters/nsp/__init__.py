"""NSP adapter."""
