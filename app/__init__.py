"""Integration Consultant: domain, use cases and documents (no Qt here)."""

__version__ = "0.1.0"
