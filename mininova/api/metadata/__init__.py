"""Guest metadata: what a server learns about itself (Nova's api/metadata)."""
