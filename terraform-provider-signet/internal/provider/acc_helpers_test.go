package provider

import (
	"context"
	"fmt"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/signetdev/signet/client"
	"strings"

	"github.com/hashicorp/terraform-plugin-testing/helper/acctest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// uniqueName is a name no other test uses on the shared server.
func uniqueName(prefix string) string {
	return prefix + "-" + acctest.RandStringFromCharSet(8, acctest.CharSetAlphaNum)
}

// attr returns an attribute of a resource in s.
func stateAttr(s *terraform.State, addr, name string) (string, error) {
	rs, ok := s.RootModule().Resources[addr]
	if !ok {
		return "", fmt.Errorf("%s is not in the state", addr)
	}
	v, ok := rs.Primary.Attributes[name]
	if !ok {
		return "", fmt.Errorf("%s has no attribute %s", addr, name)
	}
	return v, nil
}

// capture stores an attribute of addr in *dst, for later steps.
func capture(addr, name string, dst *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		v, err := stateAttr(s, addr, name)
		*dst = v
		return err
	}
}

// expect is the plan check that addr's planned action is action.
func expect(addr string, action plancheck.ResourceActionType) resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(addr, action)}}
}

// noChanges is the plan check that nothing is planned.
func noChanges() resource.ConfigPlanChecks {
	return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}}
}

// quoteList writes strings as an HCL list.
func quoteList(ss ...string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = fmt.Sprintf("%q", s)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

func ctxBackground() context.Context { return context.Background() }

// errNotFound is a not-found error as the client returns it.
var errNotFound = &client.Error{Status: 404, Code: client.CodeNotFound, Message: "not found"}

type attrValue = attr.Value

// replaced checks that addr has an id other than *id, then keeps the new
// one in *id.
func replaced(addr string, id *string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		v, err := stateAttr(s, addr, "id")
		if err != nil {
			return err
		}
		if v == *id {
			return fmt.Errorf("%s kept its id %s: not replaced", addr, v)
		}
		*id = v
		return nil
	}
}

// replaceStep is a step that taints addr (as "tofu apply -replace" would)
// and checks that it is replaced by a new one.
func replaceStep(config, addr string, id *string) resource.TestStep {
	return resource.TestStep{
		Config:           config,
		Taint:            []string{addr},
		ConfigPlanChecks: expect(addr, plancheck.ResourceActionReplace),
		Check:            replaced(addr, id),
	}
}
