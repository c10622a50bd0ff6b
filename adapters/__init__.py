"""Adapters: how the hub talks to each backend system."""
