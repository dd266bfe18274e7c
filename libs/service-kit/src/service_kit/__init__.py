"""What every service process shares: settings base, app factory, health, metrics, logs, auth."""
