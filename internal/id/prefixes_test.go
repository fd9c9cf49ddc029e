package id

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestProviderKnowsEveryPrefix: the Terraform provider (a module of its
// own, which may not import this package) repeats Prefixes to refuse, at
// plan time, names that read as ids with the server's message. A prefix
// added here must be added there.
func TestProviderKnowsEveryPrefix(t *testing.T) {
	b, err := os.ReadFile("../../terraform-provider-signet/internal/provider/validators.go")
	if err != nil {
		t.Skipf("the provider's source is not here: %v", err)
	}
	quoted := make([]string, len(Prefixes))
	for i, p := range Prefixes {
		quoted[i] = strconv.Quote(p)
	}
	want := "var idPrefixes = []string{" + strings.Join(quoted, ", ") + "}"
	if !strings.Contains(string(b), want) {
		t.Errorf("terraform-provider-signet/internal/provider/validators.go does not hold\n%s\n(in id.Prefixes' order)", want)
	}
}
