"""Start-up: configuration, logging, the discord.py bot and its collaborators, the CLI."""
