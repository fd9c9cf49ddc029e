package service

import (
	signet "github.com/signetdev/signet"
)

// authoriseKeyWrite is the rule for changing a key's metadata: its owner
// (see op.self), or api_keys:write or service_accounts:write for a
// service-account key, api_keys:write for another human's personal key.
func (o *op) authoriseKeyWrite(k *signet.APIKey) error {
	switch {
	case o.self(k.OwnerID):
		return nil
	case k.Kind == signet.KeyKindServiceAccount:
		return o.authoriseAny("", "api_keys:write", "service_accounts:write")
	default:
		return o.authorise("api_keys:write", "")
	}
}

// labelsDetail is labels as an audit detail: never null, so that a
// change from none reads {"old": {}, "new": {…}}.
func labelsDetail(labels map[string]string) map[string]string {
	if labels == nil {
		return map[string]string{}
	}
	return labels
}
