"""`python -m nianbao` (installed) and `python -m generator` (in the checkout) run the command line."""

from nianbao.cli import main

raise SystemExit(main())
