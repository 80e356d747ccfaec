"""JSON Schemas for request bodies, one module per resource."""
