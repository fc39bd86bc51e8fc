"""The verifier web app: scan a code, get a verdict, see and record custody (see :func:`web.app.create_app`)."""
