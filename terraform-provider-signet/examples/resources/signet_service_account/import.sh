# by id
tofu import signet_service_account.etl sa_01jd5k2x3y4z5a6b7c8d9e0f1g
# or by name
tofu import signet_service_account.etl etl-pipeline
