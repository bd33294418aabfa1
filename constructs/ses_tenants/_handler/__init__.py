"""The custom-resource handler asset, shipped inside the wheel as ``ses_tenants._handler``."""
