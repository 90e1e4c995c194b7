"""Payments: fee payment through a provider (ePayBL-style platform, or the demo provider), reconciliation."""
