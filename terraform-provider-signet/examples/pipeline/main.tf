# A service account for a deploy pipeline: it may edit in the workspace the
# pipeline deploys to, and holds one API key that expires in 90 days. The
# key's secret goes into a file (mode 0600) that the pipeline's runner
# reads, and into a sensitive output.
#
# Rotate the key by changing rotation_triggers (here, the variable
# key_generation): Signet's rotate call replaces it in the same apply, the
# file gets the new secret, and the old key keeps working for an hour so
# that running jobs finish.

variable "pipeline" {
  description = "The pipeline's name; the service account is named after it."
  type        = string
  default     = "deploy-pipeline"
}

variable "key_generation" {
  description = "Change to rotate the pipeline's key."
  type        = string
  default     = "1"
}

variable "allowed_networks" {
  description = "Where the pipeline's runners reach Signet from."
  type        = list(string)
  default     = ["10.0.0.0/8"]
}

variable "secret_file" {
  description = "Where the key's secret is written."
  type        = string
  default     = "pipeline.key"
}

data "signet_workspace" "default" {
  name = "Default"
}

data "signet_role" "edit" {
  name = "Edit"
}

resource "signet_service_account" "pipeline" {
  name        = var.pipeline
  description = "Deploys from CI; managed by OpenTofu"
  labels = {
    team = "platform"
  }
}

resource "signet_grant" "pipeline_edit" {
  subject_type = "user"
  subject_id   = signet_service_account.pipeline.id
  role_id      = data.signet_role.edit.id
  workspace_id = data.signet_workspace.default.id
}

resource "signet_api_key" "pipeline" {
  service_account_id = signet_service_account.pipeline.id
  name               = "ci"
  expires_in         = "90d"
  allowed_networks   = var.allowed_networks

  rotation_triggers = {
    generation = var.key_generation
  }
  rotation_grace = "1h"
}

# The secret into a file, without any other provider: terraform_data is
# built into OpenTofu and Terraform, and the secret reaches the command
# through its environment, never its command line. It runs again when the
# key is rotated (a new id).
resource "terraform_data" "secret_file" {
  triggers_replace = [signet_api_key.pipeline.id, var.secret_file]

  provisioner "local-exec" {
    command     = "umask 077 && printf '%s' \"$SIGNET_KEY\" > \"$SECRET_FILE\""
    environment = {
      SIGNET_KEY  = signet_api_key.pipeline.secret
      SECRET_FILE = var.secret_file
    }
  }
}

output "service_account_id" {
  value = signet_service_account.pipeline.id
}

output "api_key_id" {
  value = signet_api_key.pipeline.id
}

output "api_key_secret" {
  value     = signet_api_key.pipeline.secret
  sensitive = true
}
