resource "signet_service_account" "etl" {
  name        = "etl-pipeline"
  description = "Nightly ETL"
  labels = {
    team = "data"
  }
  owner_type = "group"
  owner_id   = signet_group.data.id
}
