"""The ground layer: the error tree, :class:`~core.secret.Secret`, the typed report and its
parts, the version. Imports nothing of Lorenz's own (import-linter checks this)."""
