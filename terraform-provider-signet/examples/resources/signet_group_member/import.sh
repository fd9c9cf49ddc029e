# <group id or name>/<user id, service account id, or name>
tofu import signet_group_member.etl data-team/etl-pipeline
