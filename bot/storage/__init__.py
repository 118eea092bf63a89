"""Where conversations live: the SQL tracker store and the lock store, chosen by environment."""
