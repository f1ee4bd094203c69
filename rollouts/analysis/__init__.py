"""Metric providers: take measurements over the network for the pure assessment."""
