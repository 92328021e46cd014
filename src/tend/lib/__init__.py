"""Pure Python helpers with no Django in them."""
