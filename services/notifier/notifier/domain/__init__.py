"""Pure notifier logic: rule conditions, templates, the case state machine, webhook signatures."""
