"""HTTP: the Starlette app factory, routes, auth, request context, health, metrics and the `jike` CLI."""
