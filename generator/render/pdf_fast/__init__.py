"""The PDF fast path: tables drawn from skeletons, recorded text replayed, font
subsets kept — patches on WeasyPrint, gated on the verified versions and scoped
to nianbao's own renders (see fastpath.py); the ordinary renderer is render/pdf_render.py."""
