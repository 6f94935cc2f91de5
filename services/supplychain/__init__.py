"""Supply chain: lots from harvest to sale, their trace; a replica of the registry it needs."""

# Registers the service's vi/en texts with shared.i18n before any of its modules can refuse.
from services.supplychain import messages as _messages  # noqa: E402, F401
