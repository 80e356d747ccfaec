"""Console scripts: one module per service, plus mininova-manage."""
import warnings

# NOTE: oslo.messaging imports eventlet-based oslo.service code paths that warn on import;
# mininova uses threads only, so the warning is noise for operators.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
