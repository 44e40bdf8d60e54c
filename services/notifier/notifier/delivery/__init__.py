"""Delivery channels (SMTP, webhooks, SMS) and the worker that drives the deliveries table."""
