"""Entry point: `python -m dropbox_service`."""

from service_kit.serve import serve

from dropbox_service.app import create_app
from dropbox_service.settings import Settings

if __name__ == "__main__":
    serve(Settings(), create_app)
