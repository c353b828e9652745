"""The Starlette HTTP service (served by uvicorn): ``create_app(atraxion)``."""

from atraxion.entrypoints.http.app import create_app

__all__ = ["create_app"]
