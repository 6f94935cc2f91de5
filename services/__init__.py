"""The platform's services, each a separate process with its own database."""
