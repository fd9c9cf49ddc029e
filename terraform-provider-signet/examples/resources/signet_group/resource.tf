resource "signet_group" "data" {
  name        = "data-team"
  description = "Owners of the data pipelines"
}
