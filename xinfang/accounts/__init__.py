"""People who use the product: users, their roles and the unit each belongs to."""
