data "signet_group" "admins" {
  name = "Admins"
}
