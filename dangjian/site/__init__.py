"""The site layer: what sits on top of every app (home, demo data, test factories)."""
