resource "signet_workspace" "staging" {
  name        = "staging"
  description = "Pre-production"
}
