data "signet_user" "alice" {
  name = "alice@example.com" # a name, or a person's email
}
