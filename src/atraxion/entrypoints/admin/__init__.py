"""The admin UI: server-rendered pages under ``/admin`` (docs/operators-guide.md)."""
