"""Reliable messaging over Redis Streams.

- `outbox`: producers write the event in the same transaction as their state; a relay
  publishes it after commit.
- `consumer`: one consumer group per consuming service, pre-created at id 0; an idempotent
  inbox makes redelivery a no-op; a claimer retries stuck entries and dead-letters them
  after N deliveries.
- `dead_letters`: list, inspect and replay what was dead-lettered.
"""
