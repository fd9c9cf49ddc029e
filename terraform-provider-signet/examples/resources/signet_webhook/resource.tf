resource "signet_webhook" "siem" {
  url         = "https://siem.example.com/hooks/signet"
  description = "Key and account events to the SIEM"
  event_types = ["api_key.*", "service_account.*"]
}

output "siem_signing_secret" {
  value     = signet_webhook.siem.secret
  sensitive = true
}
