"""Registry: the province's register of co-ops and everyone on their chains."""
