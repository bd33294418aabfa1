"""The account and region every simulated stack lives in."""

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"
PARTITION = "aws"
URL_SUFFIX = "amazonaws.com"
AVAILABILITY_ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
