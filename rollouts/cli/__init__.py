"""The kubectl-style command-line tool (kubectl-rollouts) and the dashboard."""
