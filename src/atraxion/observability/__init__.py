"""What operators see of a running service: Prometheus metrics (:mod:`.metrics`) and the context
every log line carries (:mod:`.log_context`). Every layer but the domain and the ports may use it."""
