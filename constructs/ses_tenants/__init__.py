"""CDK constructs for Amazon SES tenants."""
