"""`make benchmark`: synth cost against the native AWS::SES::Tenant, template size, SES calls
per lifecycle event, handler cold start and a throttled deploy. Entry point: run.py."""
