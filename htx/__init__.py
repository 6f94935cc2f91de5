"""Operator tooling for the HTX platform: `htx up`, migrations, tokens, dead letters.

`htx.runner` (process management) is also what the end-to-end tests use to start the
services as real processes.
"""
