"""Use cases: recording the facts events state (ingest), keeping the stock snapshots (snapshots), the reports
(one module each) and publishing supplier scores (scores)."""
