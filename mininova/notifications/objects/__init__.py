"""Versioned notification payloads, in Nova's names, shapes and versions."""
