"""tempest 47.0.0's Compute API suite against a Keystone-mode mininova."""
