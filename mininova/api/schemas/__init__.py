"""JSON Schemas for request bodies, one module per resource."""

# The largest value an INTEGER column holds on every supported database (Nova's MAX_INT):
# integer fields that reach the database are bounded by it.
MAX_INT = 2**31 - 1
