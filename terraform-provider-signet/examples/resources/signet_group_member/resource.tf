resource "signet_group_member" "etl" {
  group_id = signet_group.data.id
  user_id  = signet_service_account.etl.id
}
