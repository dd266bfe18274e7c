"""Notify service: e-mail and in-app notifications."""
