"""Command-line interface (placeholder, being built)."""
def main() -> None:
    pass
