"""Ways in: the HTTP service, the CLI, the queue worker and the Python facade."""
