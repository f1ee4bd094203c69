"""Reflectors, indexed stores and shared informers."""
