"""Configuration: one typed, frozen tree built from flags and/or an INI file."""
