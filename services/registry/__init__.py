"""Registry: the province's register of co-ops and everyone on their chains."""

# Registers the service's vi/en texts with shared.i18n before any of its modules can refuse.
from services.registry import messages as _messages  # noqa: E402, F401
