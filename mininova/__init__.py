"""mininova: a miniature OpenStack-Nova-style compute control plane."""
import os

# NOTE: mininova runs on threads, never eventlet; but eventlet is installed (oslo.service
# needs it) and futurist and oslo.service import it when it is. Its green DNS resolver
# would then load dnspython and cryptography, ~15 MB in every service, for nothing.
os.environ.setdefault("EVENTLET_NO_GREENDNS", "yes")
