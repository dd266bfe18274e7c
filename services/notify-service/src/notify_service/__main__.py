"""Entry point: `python -m notify_service`."""

from service_kit.serve import serve

from notify_service.app import create_app
from notify_service.settings import Settings

if __name__ == "__main__":
    serve(Settings(), create_app)
