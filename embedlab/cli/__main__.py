"""`python -m embedlab.cli`: how the app starts a training child."""

from embedlab.cli import main

raise SystemExit(main())
