"""Use cases. Every read and write of the platform goes through here, whoever asks (API, web, CLI)."""
