data "signet_workspace" "default" {
  name = "Default"
}
