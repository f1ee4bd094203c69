"""The expression language of analysis success/failure conditions (pure)."""
