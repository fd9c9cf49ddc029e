package provider

import (
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/signetdev/signet/client"
)

func groupConfig(group, desc, member string) string {
	return fmt.Sprintf(`
resource "signet_group" "g" {
  name        = %q
  description = %q
}

resource "signet_service_account" "a" {
  name = "%[1]s-a"
}

resource "signet_service_account" "b" {
  name = "%[1]s-b"
}

resource "signet_group_member" "m" {
  group_id = signet_group.g.id
  user_id  = signet_service_account.%[3]s.id
}
`, group, desc, member)
}

// TestAccGroup: a group and a member: create, update in place (group),
// replace (member), import by id and by name, drift and deletion outside,
// destroy.
func TestAccGroup(t *testing.T) {
	api := acc(t)
	const g, m = "signet_group.g", "signet_group_member.m"
	name := uniqueName("tf-group")
	var groupID, memberA, memberB string
	resource.ParallelTest(t, resource.TestCase{
		ProtoV6ProviderFactories: protoV6,
		CheckDestroy: resource.ComposeAggregateTestCheckFunc(
			checkGone(func(id string) error { _, err := api.GetGroup(t.Context(), id); return err }, g),
		),
		Steps: []resource.TestStep{
			{
				Config: groupConfig(name, "first", "a"),
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(g, "id", &groupID),
					capture("signet_service_account.a", "id", &memberA),
					capture("signet_service_account.b", "id", &memberB),
					checkMembers(api, &groupID, &memberA),
				),
			},
			{
				Config:           groupConfig(name+"-renamed", "second", "a"),
				ConfigPlanChecks: expect(g, plancheck.ResourceActionUpdate),
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttrPtr(g, "id", &groupID),
					resource.TestCheckResourceAttr(g, "name", name+"-renamed"),
				),
			},
			{
				// Another member: the membership is replaced.
				Config:           groupConfig(name+"-renamed", "second", "b"),
				ConfigPlanChecks: expect(m, plancheck.ResourceActionReplace),
				Check:            checkMembers(api, &groupID, &memberB),
			},
			{
				// The group replaced (tainted): its membership follows.
				Config: groupConfig(name+"-renamed", "second", "b"),
				Taint:  []string{g},
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(g, plancheck.ResourceActionReplace),
					plancheck.ExpectResourceAction(m, plancheck.ResourceActionReplace),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					replaced(g, &groupID),
					checkMembers(api, &groupID, &memberB),
				),
			},
			{ResourceName: g, ImportState: true, ImportStateVerify: true},
			{ResourceName: g, ImportState: true, ImportStateVerify: true, ImportStateId: name + "-renamed"},
			{ResourceName: m, ImportState: true, ImportStateVerify: true},
			{ResourceName: m, ImportState: true, ImportStateVerify: true, ImportStateId: name + "-renamed/" + name + "-renamed-b"},
			{
				PreConfig: func() {
					if _, err := api.UpdateGroup(t.Context(), groupID, client.GroupUpdate{Description: client.String("changed in the UI")}); err != nil {
						t.Fatal(err)
					}
					if err := api.RemoveGroupMember(t.Context(), groupID, memberB); err != nil {
						t.Fatal(err)
					}
				},
				Config: groupConfig(name+"-renamed", "second", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(g, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(m, plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					resource.TestCheckResourceAttr(g, "description", "second"),
					checkMembers(api, &groupID, &memberB),
				),
			},
			{
				PreConfig: func() {
					if err := api.DeleteGroup(t.Context(), groupID); err != nil {
						t.Fatal(err)
					}
				},
				Config: groupConfig(name+"-renamed", "second", "b"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(g, plancheck.ResourceActionCreate),
					plancheck.ExpectResourceAction(m, plancheck.ResourceActionCreate),
				}},
				Check: resource.ComposeAggregateTestCheckFunc(
					capture(g, "id", &groupID),
					checkMembers(api, &groupID, &memberB),
				),
			},
		},
	})
}

// checkMembers checks that the group *groupID has exactly the member *id.
func checkMembers(api *client.Client, groupID, id *string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		g, err := api.GetGroup(ctxBackground(), *groupID)
		if err != nil {
			return err
		}
		if len(g.Members) != 1 || g.Members[0].ID != *id {
			return fmt.Errorf("group %s has members %v, want only %s", *groupID, g.Members, *id)
		}
		return nil
	}
}
