"""Built-in report sections; importing a module registers its section."""
