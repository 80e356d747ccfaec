"""Conductor tasks: one module per flow that crosses hosts (Nova's conductor/tasks)."""
