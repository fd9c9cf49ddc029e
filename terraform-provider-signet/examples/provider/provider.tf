terraform {
  required_providers {
    signet = {
      source = "signetdev/signet"
    }
  }
}

# Both may come from the environment instead: SIGNET_URL, SIGNET_API_KEY.
provider "signet" {
  url     = "https://signet.example.com"
  api_key = var.signet_api_key
}

variable "signet_api_key" {
  type      = string
  sensitive = true
}
