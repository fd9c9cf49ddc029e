resource "signet_role" "auditor" {
  name        = "auditor"
  description = "Reads everything and the audit trail"
  base        = "view"
  permissions = ["audit:read"]
}
