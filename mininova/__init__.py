"""mininova: a miniature OpenStack-Nova-style compute control plane."""
