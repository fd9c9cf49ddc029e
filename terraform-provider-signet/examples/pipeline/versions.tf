terraform {
  required_providers {
    signet = {
      source = "signetdev/signet"
    }
  }
}

# The URL and an API key (a service account's, with the Admin role or the
# permissions below) come from SIGNET_URL and SIGNET_API_KEY.
provider "signet" {}
