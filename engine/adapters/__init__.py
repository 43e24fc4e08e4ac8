"""Connectors to mail servers: each implements a port from :mod:`engine.ports`."""
