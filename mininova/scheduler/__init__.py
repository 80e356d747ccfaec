"""The scheduler: chooses a compute host for each new instance."""
