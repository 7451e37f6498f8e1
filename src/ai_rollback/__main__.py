"""``python -m ai_rollback``: what the installed raw hooks run."""

from ai_rollback.entry import main

raise SystemExit(main())
