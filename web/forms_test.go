package web_test

import (
	"testing"

	"github.com/signetdev/signet/web"
)

func TestFormWords(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"api field name", "expires_in must be longer than zero, such as 30d", "Expiry must be longer than zero, such as 30d."},
		{"current password", "current_password is required to change your own email or password", "Current password is required to change your own email or password."},
		{"network line", `allowed_networks[1]: "10.0.0.0/40" is not a network`, `Allowed networks, line 2: "10.0.0.0/40" is not a network.`},
		{"url", "url is required: the http(s) URL that receives the deliveries", "URL is required: the http(s) URL that receives the deliveries."},
		{"already a sentence", "Choose a service account.", "Choose a service account."},
		{"quoted start", `"x" looks the same`, `"x" looks the same.`},
		{"provider fields", "groups_claim is required with group_mappings", "Groups claim is required with group mappings."},
		{"client id", "client_id is required: the id the identity provider issued for Signet", "Client ID is required: the id the identity provider issued for Signet."},
	} {
		if got := web.FormWords(tt.in); got != tt.want {
			t.Errorf("%s: formWords(%q) = %q; want %q", tt.name, tt.in, got, tt.want)
		}
	}
}
