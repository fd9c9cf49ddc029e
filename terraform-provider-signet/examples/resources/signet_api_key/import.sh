# by id (the secret is not known after an import: Signet shows it only once)
tofu import signet_api_key.etl key_01jd5k2x3y4z5a6b7c8d9e0f1g
# or as <service account id or name>/<key name>
tofu import signet_api_key.etl etl-pipeline/prod
