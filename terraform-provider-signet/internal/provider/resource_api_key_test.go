package provider

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/signetdev/signet/client"
)

// apiKeyConfig is a service account with one key, and a dependant of the
// key's secret (terraform_data, built into Terraform and OpenTofu) to
// show that dependants get a rotated secret in the same apply.
func apiKeyConfig(sa, key, desc, scopes, networks, trigger string) string {
	triggers := ""
	if trigger != "" {
		triggers = fmt.Sprintf(`
  rotation_triggers = { version = %q }
  rotation_grace    = "1h"`, trigger)
	}
	return fmt.Sprintf(`
resource "signet_service_account" "sa" {
  name = %q
}

resource "signet_api_key" "k" {
  service_account_id = signet_service_account.sa.id
  name               = %q
  description        = %q
  expires_in         = "30d"
  scopes             = %s
  allowed_networks   = %s
  labels             = { pipeline = "deploy" }%s
}

resource "terraform_data" "consumer" {
  input = sha256(signet_api_key.k.secret)
}
`, sa, key, desc, scopes, networks, triggers)
}

// TestAccAPIKey: create (the secret works), update in place, replace,
// import by id and by name, drift, recreation after a revocation outside,
// destroy (the key is revoked).
func TestAccAPIKey(t *testing.T) {
	api := acc(t)
	const addr = "signet_api_key.k"
	sa := uniqueName("tf-key-sa")
	var id, secondID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy:             checkRevoked(api, &secondID),
		Steps: []resource.TestStep{
			{
				Config:           apiKeyConfig(sa, "deploy", "first", `[]`, `["10.1.2.3/8", "127.0.0.1"]`, ""),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					resource.TestMatchResourceAttr(addr, "id", regexp.MustCompile(`^key_`)),
					resource.TestMatchResourceAttr(addr, "secret", regexp.MustCompile(`.{20,}`)),
					resource.TestCheckResourceAttrSet(addr, "expires_at"),
					resource.TestCheckResourceAttr(addr, "allowed_networks.#", "2"),
					checkSecretWorks(addr),
					checkConsumerHasSecret(addr),
				),
			},
			{
				// Networks written another way than Signet stores them
				// (10.1.2.3/8 is 10.0.0.0/8, 127.0.0.1 is 127.0.0.1/32) plan
				// nothing. (The tests reach Signet from 127.0.0.1, which
				// every allowlist here holds.)
				Config:           apiKeyConfig(sa, "deploy", "first", `[]`, `["10.1.2.3/8", "127.0.0.1"]`, ""),
				ConfigPlanChecks: noChanges(),
			},
			{
				Config:           apiKeyConfig(sa, "deploy-2", "second", `[]`, `["10.0.0.0/8", "127.0.0.0/8"]`, ""),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "name", "deploy-2"),
					resource.TestCheckResourceAttr(addr, "allowed_networks.#", "2"),
					checkSecretWorks(addr), // the secret is kept across updates
				),
			},
			{
				// Scopes cannot change in place: a new key.
				Config:           apiKeyConfig(sa, "deploy-2", "second", `["service_accounts:read"]`, `["10.0.0.0/8", "127.0.0.0/8"]`, ""),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionReplace),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &secondID),
					func(s *terraform.State) error {
						if secondID == id {
							return fmt.Errorf("the replaced key kept its id")
						}
						old, err := api.GetAPIKey(t.Context(), id)
						if err != nil {
							return err
						}
						if old.Status != client.KeyStatusRevoked {
							return fmt.Errorf("the replaced key is %s, not revoked", old.Status)
						}
						return nil
					},
					resource.TestCheckResourceAttr(addr, "scopes.#", "1"),
					checkSecretWorks(addr),
				),
			},
			{
				ResourceName: addr, ImportState: true, ImportStateVerify: true,
				// Signet shows the secret only once; expires_in is how the
				// key was asked for, not something Signet returns.
				ImportStateVerifyIgnore: []string{"secret", "expires_in"},
			},
			{
				ResourceName: addr, ImportState: true, ImportStateVerify: true,
				ImportStateId:           sa + "/deploy-2",
				ImportStateVerifyIgnore: []string{"secret", "expires_in"},
			},
			{
				PreConfig: func() {
					nets := []string{"203.0.113.0/24"}
					if _, err := api.UpdateAPIKey(t.Context(), secondID, client.UpdateAPIKeyRequest{Description: client.String("changed in the UI"), AllowedNetworks: &nets}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           apiKeyConfig(sa, "deploy-2", "second", `["service_accounts:read"]`, `["10.0.0.0/8", "127.0.0.0/8"]`, ""),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &secondID),
					resource.TestCheckResourceAttr(addr, "description", "second"),
					resource.TestCheckTypeSetElemAttr(addr, "allowed_networks.*", "10.0.0.0/8"),
				),
			},
			{
				// Revoked outside: a new key is planned in its place.
				PreConfig: func() {
					if _, err := api.RevokeAPIKey(t.Context(), secondID, "leaked"); err != nil {
						t.Fatal(err)
					}
				},
				Config:           apiKeyConfig(sa, "deploy-2", "second", `["service_accounts:read"]`, `["10.0.0.0/8", "127.0.0.0/8"]`, ""),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &secondID),
					checkSecretWorks(addr),
					checkConsumerHasSecret(addr),
				),
			},
		},
	})
}

// TestAccAPIKeyRotation: changing rotation_triggers rotates the key
// through Signet's rotate call, in place: a new id and secret that the
// dependant gets in the same apply, and the old key working for the
// grace.
func TestAccAPIKeyRotation(t *testing.T) {
	api := acc(t)
	const addr = "signet_api_key.k"
	sa := uniqueName("tf-rotate-sa")
	var id, secret, rotatedID string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy:             checkRevoked(api, &rotatedID),
		Steps: []resource.TestStep{
			{
				Config: apiKeyConfig(sa, "deploy", "", `[]`, `[]`, "1"),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					capture(addr, "secret", &secret),
					checkConsumerHasSecret(addr),
				),
			},
			{
				// Adding nothing new: no rotation.
				Config:           apiKeyConfig(sa, "deploy", "", `[]`, `[]`, "1"),
				ConfigPlanChecks: noChanges(),
			},
			{
				Config:           apiKeyConfig(sa, "deploy", "rotated", `[]`, `[]`, "2"),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &rotatedID),
					resource.TestCheckResourceAttrPtr(addr, "rotated_from", &id),
					resource.TestCheckResourceAttr(addr, "description", "rotated"),
					func(s *terraform.State) error {
						if rotatedID == id {
							return fmt.Errorf("the rotated key kept its id %s", id)
						}
						if v, _ := stateAttr(s, addr, "secret"); v == secret || v == "" {
							return fmt.Errorf("the rotation did not give a new secret")
						}
						old, err := api.GetAPIKey(t.Context(), id)
						if err != nil {
							return err
						}
						if old.RotatedTo != rotatedID || old.Status != client.KeyStatusActive || old.ExpiresAt == nil ||
							old.ExpiresAt.After(time.Now().Add(time.Hour+time.Minute)) {
							return fmt.Errorf("the old key after a rotation with a 1h grace: %+v", old)
						}
						return nil
					},
					checkSecretWorks(addr),
					checkConsumerHasSecret(addr),
				),
			},
			{
				Config:           apiKeyConfig(sa, "deploy", "rotated", `[]`, `[]`, "2"),
				ConfigPlanChecks: noChanges(),
			},
		},
	})
}

// checkSecretWorks signs in to Signet with the key's secret.
func checkSecretWorks(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		secret, err := stateAttr(s, addr, "secret")
		if err != nil {
			return err
		}
		c, err := client.New(signetServer.url, client.WithAPIKey(secret))
		if err != nil {
			return err
		}
		ok, err := c.VerifyKey(ctxBackground())
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("Signet refuses the secret of %s", addr)
		}
		return nil
	}
}

// checkConsumerHasSecret checks that terraform_data.consumer was given
// the key's current secret.
func checkConsumerHasSecret(addr string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		secret, err := stateAttr(s, addr, "secret")
		if err != nil {
			return err
		}
		got, err := stateAttr(s, "terraform_data.consumer", "output")
		if err != nil {
			return err
		}
		sum := sha256.Sum256([]byte(secret))
		if want := hex.EncodeToString(sum[:]); got != want {
			return fmt.Errorf("terraform_data.consumer has sha256 %s, want the current secret's %s", got, want)
		}
		return nil
	}
}

// checkRevoked is a CheckDestroy: the key *id is revoked.
func checkRevoked(api *client.Client, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		k, err := api.GetAPIKey(ctxBackground(), *id)
		if err != nil {
			return err
		}
		if k.Status != client.KeyStatusRevoked {
			return fmt.Errorf("key %s is %s after destroy, not revoked", *id, k.Status)
		}
		return nil
	}
}
