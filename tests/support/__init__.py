"""Helpers shared by several test folders: import from here, never from another folder's test modules."""
