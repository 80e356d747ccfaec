"""Nova's notifications: versioned payload objects and the functions that send them."""
