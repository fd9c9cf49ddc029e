resource "signet_grant" "etl_edit" {
  subject_type = "user" # a service account is a user here; or "group"
  subject_id   = signet_service_account.etl.id
  role_id      = "role_edit"
  workspace_id = signet_workspace.staging.id # or "*": organisation-wide
}
