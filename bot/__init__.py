"""Start-up: configuration, logging, the discord.py bot, the shared HTTP client, the CLI."""

__version__ = "0.1.0"
