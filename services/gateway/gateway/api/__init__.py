"""The gateway's HTTP surface: routers only (schemas, who may call, one handler call each)."""
