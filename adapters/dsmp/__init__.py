"""DSMP adapter."""
