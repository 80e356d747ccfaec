"""The conductor: orchestrates builds and does database work for compute hosts."""
