"""Reconcilers: read the cache, ask the core for a plan, apply it through the client."""
