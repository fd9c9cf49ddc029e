package service

import (
	"testing"

	signet "github.com/signetdev/signet"
	"github.com/signetdev/signet/internal/testdb"
)

// TestErrorFields: validation errors name the input they concern
// (signet.Error.Field), so that a form can show them beside it.
func TestErrorFields(t *testing.T) { t.Parallel(); testdb.ForEach(t, testErrorFields) }

func testErrorFields(t *testing.T) {
	e := newEnv(t)
	_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "taken"})
	e.must(err)
	_, err = e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "ops"})
	e.must(err)
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"blank name", func() error {
			_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: " "})
			return err
		}(), "name"},
		{"duplicate name", func() error {
			_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "taken"})
			return err
		}(), "name"},
		{"duplicate group", func() error { _, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "ops"}); return err }(), "name"},
		{"description", func() error {
			_, err := e.svc.CreateGroup(e.ctx, e.admin, GroupInput{Name: "dev", Description: "a\u202eb"})
			return err
		}(), "description"},
		{"key of a new account", func() error {
			_, err := e.svc.CreateServiceAccount(e.ctx, e.admin, CreateServiceAccountInput{Name: "etl", Key: &CreateKeyInput{Name: "k", ExpiresIn: -1}})
			return err
		}(), "key.expires_in"},
		{"bad email", func() error {
			_, err := e.svc.CreateHuman(e.ctx, e.admin, CreateHumanInput{Name: "Bo", Email: "nope"})
			return err
		}(), "email"},
	}
	for _, tt := range tests {
		if got := signet.ErrorField(tt.err); got != tt.want {
			t.Errorf("%s: ErrorField(%v) = %q; want %q", tt.name, tt.err, got, tt.want)
		}
	}
}
