"""Plot widgets: each is created once and updated from worker snapshots."""
