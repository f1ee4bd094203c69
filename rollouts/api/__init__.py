"""API models of the argoproj.io/v1alpha1 kinds (pure: no I/O, no runtime imports)."""
