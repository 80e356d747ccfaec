"""JSON Schemas for request bodies, one module per resource."""

# The largest value an INTEGER column holds on every supported database (Nova's MAX_INT):
# integer fields that reach the database are bounded by it.
MAX_INT = 2**31 - 1

# Nova's parameter_types.boolean: JSON booleans and these strings (strutils reads them).
BOOLEAN = {
    "type": ["boolean", "string"],
    "enum": [True, "True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes",
             False, "False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no"],
}
