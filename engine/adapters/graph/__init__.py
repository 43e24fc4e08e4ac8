"""Office 365 through Microsoft Graph: the master mailbox read and sent through an Azure app.

:func:`build_source` and :func:`build_sender` are what the engine's serve loop
calls when ``server.type = "graph"``; :func:`check_connection` is Test
Connection. See docs/graph.md.
"""

from __future__ import annotations

from engine.adapters.graph.client import GraphClient, HealthSink
from engine.adapters.graph.errors import (
    GraphAccessError,
    GraphAuthError,
    GraphError,
    GraphNotFound,
    GraphThrottled,
    GraphUnavailable,
)
from engine.adapters.graph.health import HEALTH_NAME, INBOX_HEALTH_NAME, store_health
from engine.adapters.graph.sender import GraphSender
from engine.adapters.graph.source import GraphSource, Unreadable
from engine.adapters.graph.test_connection import GraphConnectionReport, check_connection
from engine.config.model import Config, GraphConfig

__all__ = [
    "HEALTH_NAME",
    "INBOX_HEALTH_NAME",
    "GraphAccessError",
    "GraphAuthError",
    "GraphClient",
    "GraphConnectionReport",
    "GraphError",
    "GraphNotFound",
    "GraphSender",
    "GraphSource",
    "GraphThrottled",
    "GraphUnavailable",
    "Unreadable",
    "build_sender",
    "build_source",
    "check_connection",
    "store_health",
]


def _graph(config: Config) -> GraphConfig:
    if config.server.graph is None:
        raise ValueError('server.type = "graph" needs a [server.graph] table')
    return config.server.graph


def build_source(
    config: Config,
    *,
    health: HealthSink | None = None,
    inbox_health: HealthSink | None = None,
    unreadable: Unreadable | None = None,
) -> GraphSource:
    """The master mailbox's inbox, with the tenant's processed-mail policy.

    Args:
        config: the tenant (``[server]`` and ``[server.graph]``).
        health: where sign-in failures and throttling are reported, e.g.
            ``store_health(config.store.path)``.
        inbox_health: where messages set aside (MIME unreadable) are reported,
            e.g. ``store_health(config.store.path, INBOX_HEALTH_NAME)``.
        unreadable: failed downloads counted so far; pass the same one to each
            source an engine makes, so the count survives reconnections.
    """
    return GraphSource(
        GraphClient(_graph(config), health=health),
        policy=config.server.processed,
        archive_folder=config.server.archive_folder,
        poll_seconds=_graph(config).poll_seconds,
        inbox_health=inbox_health,
        unreadable=unreadable,
        fetch_batch=_graph(config).fetch_batch,
    )


def build_sender(config: Config, *, health: HealthSink | None = None) -> GraphSender:
    """The sending side: ``sendMail`` as the master mailbox, From the message's address."""
    return GraphSender(GraphClient(_graph(config), health=health))
