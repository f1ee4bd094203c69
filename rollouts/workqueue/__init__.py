"""Work queues with client-go semantics: de-duplicating, rate-limited, delayed."""
