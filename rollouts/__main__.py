"""``python -m rollouts`` runs the controller process."""

from rollouts.controller.main import main

if __name__ == "__main__":
    raise SystemExit(main())
