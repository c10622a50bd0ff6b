"""The command sets: one XSD per system, shipped inside the package."""
