"""The API side's image store: image files under ``[image] store_path``."""
