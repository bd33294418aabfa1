"""The example platform app: one SES tenant stack per customer, from a customers file."""
