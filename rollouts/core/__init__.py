"""The pure state-machine core: everything arrives as arguments (``now`` included); a plan is returned."""
