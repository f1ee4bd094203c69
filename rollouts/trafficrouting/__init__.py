"""Traffic routers: apply the weights, header routes and mirrors the core asks for."""
