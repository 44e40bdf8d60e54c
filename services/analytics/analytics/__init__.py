"""The analytics service: reports built from the published event stream alone."""
