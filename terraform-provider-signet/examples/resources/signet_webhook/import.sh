tofu import signet_webhook.siem wh_01jd5k2x3y4z5a6b7c8d9e0f1g
# or by URL
tofu import signet_webhook.siem https://siem.example.com/hooks/signet
