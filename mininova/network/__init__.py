"""mininova's own network service: one flat network per cloud (Nova's name)."""
