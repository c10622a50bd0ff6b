"""BOSS adapter."""
