"""Supply chain: lots from harvest to sale, their trace; a replica of the registry it needs."""
