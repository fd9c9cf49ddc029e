tofu import signet_group.data grp_01jd5k2x3y4z5a6b7c8d9e0f1g
tofu import signet_group.data data-team
