"""Infrastructure: database URLs and configuration, the event store and its hash chain, the
projection engines' database connections, and an in-memory store for fast tests."""
