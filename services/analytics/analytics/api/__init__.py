"""HTTP routers (schemas, roles, one handler call each)."""
