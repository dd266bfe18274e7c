"""Entry point: `python -m gateway`."""

from service_kit.serve import serve

from gateway.app import create_app
from gateway.settings import Settings

if __name__ == "__main__":
    serve(Settings(), create_app)
