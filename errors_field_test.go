package signet_test

import (
	"fmt"
	"testing"

	signet "github.com/signetdev/signet"
)

func TestErrorField(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"field error", signet.FieldErrorf("name", signet.EINVALID, "name is required"), "name"},
		{"wrapped", fmt.Errorf("op: %w", signet.FieldErrorf("url", signet.EINVALID, "bad")), "url"},
		{"no field", signet.Errorf(signet.EINVALID, "bad"), ""},
		{"internal", &signet.Error{Code: signet.EINTERNAL, Field: "name"}, ""},
		{"nil", nil, ""},
		{"network list", func() error { _, err := signet.ParseAllowedNetworks("allowed_networks", []string{"nope"}); return err }(), "allowed_networks"},
	} {
		if got := signet.ErrorField(tt.err); got != tt.want {
			t.Errorf("%s: ErrorField(%v) = %q; want %q", tt.name, tt.err, got, tt.want)
		}
	}
}
