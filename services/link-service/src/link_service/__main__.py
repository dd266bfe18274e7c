"""Entry point: `python -m link_service`."""

from service_kit.serve import serve

from link_service.app import create_app
from link_service.settings import Settings

if __name__ == "__main__":
    serve(Settings(), create_app)
