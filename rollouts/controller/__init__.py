"""The controller process: flags, wiring of informers, queues and reconcilers, health, shutdown."""
