// Package storetest is the conformance suite of store.Store: every backend
// runs it, so that they all behave the same way, including the error codes
// that the contract in package store names.
package storetest

import (
	"testing"

	"github.com/signetdev/signet/store"
)

// Run runs the suite, its tests in parallel (each has a store of its own).
// open must return a new, empty, migrated store for each call and arrange
// for it to be closed when t finishes (t.Cleanup).
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"UserRoundTrip", testUserRoundTrip},
		{"UserLookups", testUserLookups},
		{"FindUsersBySkeleton", testFindUsersBySkeleton},
		{"UserUniqueness", testUserUniqueness},
		{"DeletedUserFreesNameAndEmail", testDeletedUserFreesNames},
		{"UpdateUser", testUpdateUser},
		{"ListUsers", testListUsers},
		{"Pagination", testPagination},
		{"APIKeyRoundTrip", testAPIKeyRoundTrip},
		{"RevokeAPIKey", testRevokeAPIKey},
		{"RevokeUserAPIKeys", testRevokeUserAPIKeys},
		{"RecordKeyUses", testRecordKeyUses},
		{"LastActiveFromKeys", testLastActiveFromKeys},
		{"ListAPIKeys", testListAPIKeys},
		{"Workspaces", testWorkspaces},
		{"DeleteWorkspace", testDeleteWorkspace},
		{"Roles", testRoles},
		{"DeleteRole", testDeleteRole},
		{"Groups", testGroups},
		{"GroupMembers", testGroupMembers},
		{"DeleteGroup", testDeleteGroup},
		{"Grants", testGrants},
		{"GrantUniqueness", testGrantUniqueness},
		{"GrantsReaching", testGrantsReaching},
		{"AuditChain", testAuditChain},
		{"ListAuditEvents", testListAuditEvents},
		{"AppendAuditEvents", testAppendAuditEvents},
		{"ScanAuditEvents", testScanAuditEvents},
		{"PruneAuditEvents", testPruneAuditEvents},
		{"KeyActivity", testKeyActivity},
		{"Sessions", testSessions},
		{"Settings", testSettings},
		{"IdempotencyRecords", testIdempotencyRecords},
		{"PermissionDomains", testPermissionDomains},
		{"KeyLifecycleFields", testKeyLifecycleFields},
		{"ListAPIKeysLifecycleFilters", testListAPIKeysLifecycleFilters},
		{"ListUsersByLabels", testListUsersByLabels},
		{"ListUsersByOwnerAndExternalID", testListUsersByOwnerAndExternalID},
		{"GroupExternalID", testGroupExternalID},
		{"WebhookEndpoints", testWebhookEndpoints},
		{"WebhookOutbox", testWebhookOutbox},
		{"WebhookClaims", testWebhookClaims},
		{"WebhookClaimsConcurrent", testWebhookClaimsConcurrent},
		{"OAuthAudiences", testOAuthAudiences},
		{"OAuthClientKeys", testOAuthClientKeys},
		{"OAuthSigningKeys", testOAuthSigningKeys},
		{"OAuthRevokedTokens", testOAuthRevokedTokens},
		{"OAuthClientAssertions", testOAuthClientAssertions},
		{"OIDCProviders", testOIDCProviders},
		{"SSOLoginStates", testSSOLoginStates},
		{"Rollback", testRollback},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentWrites", testConcurrentWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}
