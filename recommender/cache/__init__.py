"""The cache layout (lists, articles, rendered pages, explanations, boosts) and forgetting what
is cached of one reader (readers.reader_caches_forget)."""
