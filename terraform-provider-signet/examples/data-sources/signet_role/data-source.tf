data "signet_role" "edit" {
  name = "Edit"
}
