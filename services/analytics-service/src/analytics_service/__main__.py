"""Entry point: `python -m analytics_service`."""

from service_kit.serve import serve

from analytics_service.app import create_app
from analytics_service.settings import Settings

if __name__ == "__main__":
    serve(Settings(), create_app)
