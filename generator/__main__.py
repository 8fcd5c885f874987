"""`python -m nianbao` (installed) and `python -m generator` (in the checkout) run the command line."""

from nianbao.cli.main import main

raise SystemExit(main())
