"""Payment providers: a small base class, a registry, the demo provider and the ePayBL-style adapter."""
