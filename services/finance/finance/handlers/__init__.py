"""Use cases: each runs in the unit of work it is given (`finance.config.FinanceUnit`: a consumer's or an API
request's transaction, the time, and the messages it publishes)."""
