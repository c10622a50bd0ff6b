"""Emulators of the backend systems the hub talks to."""
