"""The compute service: API-side logic, RPC client and the manager on each host."""
