"""``Idempotency-Key`` on authenticated API POSTs: a retry of a request that succeeded returns
its first response and writes nothing again (rules, middleware, schema, keys in the database)."""
