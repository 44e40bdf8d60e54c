"""The order saga, orchestrated by sales: its state table (`sagas`), the steps and their compensations,
and the deadline job that retries silent steps and then compensates them."""
