"""Writes to the catalog. Entry points (tasks, commands, admin, views) call these modules."""
