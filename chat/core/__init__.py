"""Infrastructure with no domain knowledge: transactions and batching, the event bus and room
names, delivery, errors and input checks, rate limits, password hashing, the Actor. Imports
flow one way: services use the core; the core never imports a service."""
