package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"

	"github.com/signetdev/signet/client"
)

func webhookConfig(url, events string, enabled bool) string {
	return fmt.Sprintf(`
resource "signet_webhook" "w" {
  url         = %q
  description = "audit to the SIEM"
  event_types = %s
  enabled     = %t
}
`, url, events, enabled)
}

// TestAccWebhook: create (the secret is known), update in place, import
// by id and by URL, drift, recreation after a deletion outside, destroy.
func TestAccWebhook(t *testing.T) {
	api := acc(t)
	const addr = "signet_webhook.w"
	// Nothing listens there: deliveries fail, which this test ignores.
	url := fmt.Sprintf("http://127.0.0.1:9/%s", uniqueName("hook"))
	var id string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy:             checkGone(func(id string) error { _, err := api.GetWebhook(t.Context(), id); return err }, addr),
		Steps: []resource.TestStep{
			{
				Config: webhookConfig(url, `["api_key.*"]`, false),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(addr, "id", &id),
					resource.TestMatchResourceAttr(addr, "secret", regexp.MustCompile(`^whsec_`)),
				),
			},
			{
				Config:           webhookConfig(url+"/v2", `["api_key.*", "service_account.*"]`, false),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(addr, "id", &id),
					resource.TestCheckResourceAttr(addr, "event_types.#", "2"),
					resource.TestMatchResourceAttr(addr, "secret", regexp.MustCompile(`^whsec_`)),
				),
			},
			replaceStep(webhookConfig(url+"/v2", `["api_key.*", "service_account.*"]`, false), addr, &id),
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"secret"}},
			{ResourceName: addr, ImportState: true, ImportStateVerify: true, ImportStateVerifyIgnore: []string{"secret"}, ImportStateId: url + "/v2"},
			{
				PreConfig: func() {
					if _, err := api.UpdateWebhook(t.Context(), id, client.WebhookUpdate{Description: client.String("changed in the UI")}); err != nil {
						t.Fatal(err)
					}
				},
				Config:           webhookConfig(url+"/v2", `["api_key.*", "service_account.*"]`, false),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionUpdate),
				Check:            resource.TestCheckResourceAttr(addr, "description", "audit to the SIEM"),
			},
			{
				PreConfig: func() {
					if err := api.DeleteWebhook(t.Context(), id); err != nil {
						t.Fatal(err)
					}
				},
				Config:           webhookConfig(url+"/v2", `["api_key.*", "service_account.*"]`, false),
				ConfigPlanChecks: expect(addr, plancheck.ResourceActionCreate),
			},
		},
	})
}
