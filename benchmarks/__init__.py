"""Performance benchmarks (run them; they are not timed tests)."""
