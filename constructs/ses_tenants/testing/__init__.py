"""A faithful double of the SES v2 tenant API, built on moto (placeholder)."""
