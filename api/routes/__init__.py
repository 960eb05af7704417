"""HTTP routes, thin: parse, authorise, call a service, map domain errors to status codes."""
