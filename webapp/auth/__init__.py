"""Staff accounts, roles, login and two-factor authentication."""
