resource "signet_api_key" "etl" {
  service_account_id = signet_service_account.etl.id
  name               = "prod"
  expires_in         = "90d"
  scopes             = ["service_accounts:read"]
  allowed_networks   = ["10.0.0.0/8"]

  # Change a value to rotate the key in place (Signet's rotate call); the
  # old key keeps working for rotation_grace.
  rotation_triggers = {
    generation = "1"
  }
  rotation_grace = "1h"
}

output "etl_key" {
  value     = signet_api_key.etl.secret
  sensitive = true
}
