"""Prometheus metrics with upstream Argo Rollouts names and labels."""
