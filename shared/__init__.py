"""Code every service shares: event contracts, messaging, database, settings, auth."""
