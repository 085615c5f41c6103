"""Test worlds (units, users, rows) per domain, shared by the domain tests and the isolation walk."""
